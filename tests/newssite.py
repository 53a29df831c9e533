"""A generated news site that publishes the way real ones do: hubs, feeds, sitemaps, robots.txt.

Some articles are reachable only through the RSS feed, the Atom feed or the Google News sitemap,
so a crawl that finds them has read those documents. Old articles are dated before 2026 and
listed only in feeds and sitemaps (for ``--since``); one article has an AMP copy whose canonical
link points back at it; the homepage links with tracking parameters and fragments, to a page
robots.txt forbids, to another loopback host and to a redirect into it.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime

from tests.siteserver import SiteServer, redirect, reply

_WORDS = [
    "council", "harbour", "ferry", "budget", "residents", "school", "bridge", "market", "library",
    "river", "station", "contract", "vote", "mayor", "police", "hospital", "housing", "road",
    "festival", "museum", "union", "business", "rail", "farmers", "weather", "flood", "repair",
    "plan", "committee", "report", "funding", "teachers", "court",
]  # fmt: skip
_VERBS = ["approved", "rejected", "delayed", "announced", "questioned", "extended", "opened"]


@dataclass(frozen=True, slots=True)
class Story:
    """One article of the generated site."""

    slug: str
    title: str
    published: date
    path: str
    declared: bool = True  # og:type and JSON-LD NewsArticle; undeclared ones rely on evidence

    def url(self, base: str) -> str:
        """The article's absolute URL."""
        return base + self.path.lstrip("/")


def sentences(seed: int, count: int) -> list[str]:
    """Reporting-like sentences, different for every seed."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = rng.sample(_WORDS, 9)
        out.append(
            f"The {words[0]} {words[1]} {rng.choice(_VERBS)} the {words[2]} {words[3]} plan on "
            f"Tuesday, and officials said the {words[4]} {words[5]} would follow after "
            f"{rng.randint(2, 90)} days of talks with the {words[6]} and {words[7]} groups."
        )
    return out


def article_html(story: Story, seed: int, canonical: str | None = None, note: str = "") -> str:
    """An article page: headline, byline, date and six paragraphs of reporting."""
    paragraphs = "".join(f"<p>{' '.join(sentences(seed * 7 + i, 2))}</p>" for i in range(6))
    paragraphs += f"<p class='factbox'>Near the {story.slug.replace('-', ' ')} site: {FACT}</p>"
    head = f"<title>{story.title}</title>"
    if canonical:
        head += f'<link rel="canonical" href="{canonical}">'
    if story.declared:
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title}
        head += '<meta property="og:type" content="article">'
        head += f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{head}</head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/section/city/'>City</a>"
        " <a href='/tag/harbour/'>Harbour</a></nav></header>"
        f"<main><article><h1>{story.title}</h1><p class='byline'>By Ada Lane</p>"
        f"<time datetime='{story.published.isoformat()}'>{story.published:%d %B %Y}</time>"
        f"{paragraphs}{note}</article></main>"
        "<footer><p>Harbourside Chronicle, 1 Quay Street.</p></footer></body></html>"
    )


def hub_html(title: str, stories: list[Story], more: str | None = None, head: str = "") -> str:
    """A listing page: teaser headlines that link to articles."""
    teasers = "".join(
        f"<li><h2><a href='{s.path}'>{s.title}</a></h2><p>{sentences(len(s.slug), 1)[0][:90]}</p>"
        f"<time>{s.published.isoformat()}</time></li>"
        for s in stories
    )
    pager = f"<a href='{more}'>Older stories</a>" if more else ""
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"{head}</head><body><nav><a href='/'>Home</a> <a href='/section/city/'>City</a></nav>"
        f"<main><h1>{title}</h1><ul>{teasers}</ul>{pager}</main></body></html>"
    )


def rss(base: str, stories: list[Story]) -> str:
    """An RSS 2.0 feed of ``stories``."""
    items = "".join(
        f"<item><title>{s.title}</title><link>{s.url(base)}</link>"
        f"<pubDate>{format_datetime(datetime(*s.published.timetuple()[:3], 8, tzinfo=UTC))}"
        "</pubDate></item>"
        for s in stories
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Chronicle</title><link>{base}</link>{items}</channel></rss>"
    )


def atom(base: str, stories: list[Story]) -> str:
    """An Atom feed of ``stories``."""
    entries = "".join(
        f"<entry><title>{s.title}</title><link rel='alternate' href='{s.url(base)}'/>"
        f"<id>{s.url(base)}</id><updated>{s.published.isoformat()}T08:00:00Z</updated></entry>"
        for s in stories
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Chronicle</title>{entries}</feed>"
    )


def news_sitemap(base: str, stories: list[Story]) -> str:
    """A Google News sitemap of ``stories``."""
    urls = "".join(
        f"<url><loc>{s.url(base)}</loc><news:news><news:publication><news:name>Chronicle"
        "</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{s.published.isoformat()}</news:publication_date>"
        f"<news:title>{s.title}</news:title></news:news></url>"
        for s in stories
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"
        " xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        f"{urls}</urlset>"
    )


def sitemap(base: str, stories: list[Story]) -> str:
    """A plain sitemap with ``lastmod`` dates."""
    urls = "".join(
        f"<url><loc>{s.url(base)}</loc><lastmod>{s.published.isoformat()}</lastmod></url>"
        for s in stories
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
    )


def sitemap_index(base: str, children: list[tuple[str, date]]) -> str:
    """A sitemap index of ``children`` (path, lastmod)."""
    items = "".join(
        f"<sitemap><loc>{base}{path.lstrip('/')}</loc><lastmod>{when.isoformat()}</lastmod>"
        "</sitemap>"
        for path, when in children
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{items}</sitemapindex>"
    )


def story(slug: str, when: date, declared: bool = True, path: str | None = None) -> Story:
    """A story with a dated URL unless ``path`` says otherwise."""
    title = slug.replace("-", " ").capitalize()
    return Story(slug, title, when, path or f"/news/{when:%Y/%m/%d}/{slug}.html", declared)


# In a paragraph of every article (worded differently on each, so the site layer keeps it), for
# pruning by selector (a sites file's ``prune``).
FACT = "the harbour wall was built in 1887 and rebuilt after the great storm of 1952."
RECENT = date(2026, 11, 20)
OLD = date(2019, 5, 2)

LINKED = [
    story("ferry-timetable-extended", RECENT),
    story("harbour-wall-repairs", RECENT, declared=False),
    story("council-budget-vote", RECENT, declared=False, path="/stories/council-budget-vote"),
]
AMP = "/amp/harbour-wall-repairs.html"
IN_RSS = [story("library-hours-return", RECENT)]
IN_ATOM = [story("market-square-reopens", RECENT, declared=False)]
IN_NEWS_SITEMAP = [story("school-roof-grant", RECENT), story("rail-bridge-closure", RECENT)]
IN_PAGES_SITEMAP = [story("museum-wing-opens", RECENT)]
OLD_STORIES = [story("old-ferry-fares", OLD), story("old-flood-report", OLD)]
HUBS = ["/", "/section/city/", "/section/city/page/2/", "/tag/harbour/"]


def all_stories() -> list[Story]:
    """Every article the site publishes."""
    return LINKED + IN_RSS + IN_ATOM + IN_NEWS_SITEMAP + IN_PAGES_SITEMAP + OLD_STORIES


def build(server: SiteServer, elsewhere: str, robots_sitemaps: bool = True) -> None:
    """Fill ``server`` with the site; ``elsewhere`` is another loopback site's base URL."""
    base = server.url
    routes = server.routes
    feeds = (
        "<link rel='alternate' type='application/rss+xml' href='/feed.xml'>"
        "<link rel='alternate' type='application/atom+xml' href='/atom.xml'>"
    )
    home = hub_html("Harbourside Chronicle", LINKED, more="/section/city/", head=feeds)
    extra = (
        f"<a href='{LINKED[0].path}?utm_source=home&amp;utm_medium=web&amp;fbclid=x1#comments'>"
        "Comments</a> <a href='/private/drafts.html'>Drafts</a>"
        f" <a href='{AMP}'>AMP</a> <a href='{elsewhere}'>Elsewhere</a> <a href='/go/away'>Away</a>"
    )
    routes["/"] = reply(home.replace("</main>", f"{extra}</main>"))
    routes["/section/city/"] = reply(hub_html("City", LINKED, more="/section/city/page/2/"))
    routes["/section/city/page/2/"] = reply(hub_html("City, page 2", LINKED[1:]))
    routes["/tag/harbour/"] = reply(hub_html("Harbour", LINKED[:2]))
    routes["/private/drafts.html"] = reply("<p>drafts</p>")
    routes["/go/away"] = redirect(elsewhere + "landing.html")
    for number, item in enumerate(all_stories()):
        routes[item.path] = reply(article_html(item, number))
    amp = LINKED[1]
    note = "<p>This is the accelerated mobile page.</p>"
    routes[AMP] = reply(article_html(amp, 1, canonical=amp.path, note=note))
    robots = "User-agent: *\nDisallow: /private/\n"
    if robots_sitemaps:
        robots += f"Sitemap: {base}sitemap_index.xml\n"
    routes["/robots.txt"] = reply(robots, "text/plain")
    routes["/feed.xml"] = reply(rss(base, IN_RSS + OLD_STORIES[:1]), "application/rss+xml")
    routes["/atom.xml"] = reply(atom(base, IN_ATOM), "application/atom+xml")
    news = gzip.compress(news_sitemap(base, IN_NEWS_SITEMAP).encode(), mtime=0)
    routes["/sitemap-news.xml.gz"] = reply(news, "application/x-gzip")
    routes["/sitemap-pages.xml"] = reply(
        sitemap(base, IN_PAGES_SITEMAP + OLD_STORIES[1:]), "application/xml"
    )
    routes["/sitemap-2019.xml"] = reply(sitemap(base, OLD_STORIES), "application/xml")
    children = [("/sitemap-news.xml.gz", RECENT), ("/sitemap-pages.xml", RECENT)]
    routes["/sitemap_index.xml"] = reply(
        sitemap_index(base, [*children, ("/sitemap-2019.xml", OLD)]), "application/xml"
    )


def build_many(server: SiteServer, count: int, per_page: int = 20) -> list[Story]:
    """A site of ``count`` articles listed ``per_page`` to a page of a paginated section."""
    stories = [story(f"story-{n:04d}", date(2026, 11, 1 + n % 28)) for n in range(count)]
    routes = server.routes
    pages = [stories[i : i + per_page] for i in range(0, count, per_page)]
    for number, listed in enumerate(pages, start=1):
        path = "/" if number == 1 else f"/section/all/page/{number}/"
        more = f"/section/all/page/{number + 1}/" if number < len(pages) else None
        routes[path] = reply(hub_html(f"All stories, page {number}", listed, more=more))
    for number, item in enumerate(stories):
        routes[item.path] = reply(article_html(item, number))
    routes["/robots.txt"] = reply("User-agent: *\nAllow: /\n", "text/plain")
    routes["/section/city/"] = reply(hub_html("City", stories[:per_page]))
    routes["/tag/harbour/"] = reply(hub_html("Harbour", stories[:per_page]))
    return stories
