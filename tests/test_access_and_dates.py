"""Paywalls (``articles.access``) and where dates come from (``articles.published_source``).

A loopback site holds an article of each kind of access (declared free, paywalled by a
``hasPart`` with a ``cssSelector``, metered by its content tier, cut short at a subscribe
prompt, and an ordinary one that says nothing), dateless articles its RSS feed and its news
sitemap list with dates, and dated ones whose own date wins over the feed's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from archiver.crawl.article_row import ListedDate, article_row
from archiver.extraction.cleaning import PAYWALL_PROMPT, Block, drop_reasons, stops_at_paywall
from archiver.extraction.extract import extract_article
from archiver.serving.datasette import datasette_metadata
from archiver.serving.reader.pages import Filters, latest
from storage.extracted import decode_extracted
from storage.store import ArticleStore
from tests.archive_servers import ArchiverServer, fetch, free_port
from tests.conftest import rows, run_archiver
from tests.siteserver import SiteServer, reply

FAST = ("-s", "AUTOTHROTTLE_ENABLED=False")
PARAGRAPH = (
    "The harbour board met on Tuesday evening and voted to repair the north breakwater before"
    " the winter storms, after engineers reported that two sections had shifted since spring."
)
PROMPT = "This article is for subscribers. Subscribe to continue reading."


def page(title: str, head: str = "", extra: str = "", paragraphs: int = 6) -> str:
    """An article page: ``head`` in its head, ``extra`` after its paragraphs of reporting."""
    body = "".join(f"<p>{PARAGRAPH} {title}, paragraph {n}.</p>" for n in range(paragraphs))
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:type' content='article'>{head}</head><body>"
        "<nav><a href='/'>Home</a></nav>"
        f"<main><article><h1>{title}</h1>{body}{extra}</article></main>"
        "<footer><p>Harbour Gazette, 1 Quay Street.</p></footer></body></html>"
    )


def json_ld(data: dict[str, object]) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def published(day: str) -> str:
    return f"<meta property='article:published_time' content='{day}T09:00:00+01:00'>"


FREE = page("Free story", json_ld({"@type": "NewsArticle", "isAccessibleForFree": True}))
PAYWALLED = page(
    "Premium story",
    json_ld(
        {
            "@type": "NewsArticle",
            "isAccessibleForFree": "False",
            "hasPart": {
                "@type": "WebPageElement",
                "isAccessibleForFree": False,
                "cssSelector": ".premium-part",
            },
        }
    ),
    f"<div class='premium-part'><p>{PARAGRAPH} Behind the wall.</p></div>",
)
METERED = page("Metered story", "<meta property='article:content_tier' content='metered'>")
PROMPTED = page(
    "Cut story",
    extra=f"<div class='cta'><p>{PROMPT}</p><p><a href='/subscribe'>Subscribe</a></p></div>",
    paragraphs=3,
)
ORDINARY = page("Ordinary story", published("2026-11-02"))

# path: (page, listed by the feed on, listed by the news sitemap on)
PAGES = {
    "/news/free.html": (FREE, None, None),
    "/news/premium.html": (PAYWALLED, None, None),
    "/news/metered.html": (METERED, None, None),
    "/news/cut.html": (PROMPTED, None, None),
    "/news/ordinary.html": (ORDINARY, None, None),
    "/news/feed-only.html": (page("Feed story"), "2026-11-05", None),
    "/news/2026/11/03/url-dated.html": (page("URL story"), "2026-11-06", None),
    "/news/page-dated.html": (page("Dated story", published("2026-11-01")), "2026-11-09", None),
    "/news/sitemap-only.html": (page("Sitemap story"), None, "2026-11-07"),
    "/news/2026/11/04/url-only.html": (page("URL-only story"), None, None),
}


def rss(base: str) -> str:
    items = "".join(
        f"<item><title>t</title><link>{base}{path[1:]}</link><pubDate>"
        + format_datetime(datetime.fromisoformat(day).replace(hour=8, tzinfo=UTC))
        + "</pubDate></item>"
        for path, (_, day, _) in PAGES.items()
        if day
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>G</title>{items}</channel></rss>"
    )


def news_sitemap(base: str) -> str:
    urls = "".join(
        f"<url><loc>{base}{path[1:]}</loc><news:news><news:publication_date>{day}"
        "</news:publication_date></news:news></url>"
        for path, (_, _, day) in PAGES.items()
        if day
    )
    # A plain lastmod says when the page changed, not when it was published: no date from it.
    urls += f"<url><loc>{base}news/lastmod-only.html</loc><lastmod>2026-11-08</lastmod></url>"
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"
        " xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        f"{urls}</urlset>"
    )


LINKED = ("free", "premium", "metered", "cut", "ordinary")


def build(server: SiteServer) -> None:
    links = "".join(f"<li><a href='/news/{name}.html'>{name}</a></li>" for name in LINKED)
    links += "<li><a href='/news/2026/11/04/url-only.html'>url</a></li>"
    server.routes["/"] = reply(
        f"<html><body><h1>Harbour Gazette</h1><ul>{links}</ul></body></html>"
    )
    for path, (html, _, _) in PAGES.items():
        server.routes[path] = reply(html)
    server.routes["/news/lastmod-only.html"] = reply(page("Lastmod story"))
    server.routes["/feed.xml"] = reply(rss(server.url), "application/rss+xml")
    server.routes["/sitemap-news.xml"] = reply(news_sitemap(server.url), "application/xml")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """The site crawled from its homepage, feed and news sitemap: (folder, base URL, stdout)."""
    work = tmp_path_factory.mktemp("access")
    with SiteServer("127.0.0.161") as site:
        build(site)
        seeds = [site.url, site.url + "feed.xml", site.url + "sitemap-news.xml"]
        result = run_archiver(
            "crawl", *seeds, "--db", "a.db", "--warc-dir", "w", *FAST, cwd=work, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        yield work, site.url, result.stdout


def stored(db: Path) -> dict[str, sqlite3.Row]:
    sql = "SELECT url, access, published, published_source, text, extracted FROM articles"
    return {row["url"]: row for row in rows(db, sql)}


def test_access_is_what_the_page_declares_or_its_text_shows(crawled) -> None:
    work, base, _ = crawled
    found = stored(work / "a.db")
    assert {path: found[base + path[1:]]["access"] for path in list(PAGES)[:5]} == {
        "/news/free.html": "free",
        "/news/premium.html": "paywalled",
        "/news/metered.html": "metered",
        "/news/cut.html": "paywalled",
        "/news/ordinary.html": None,
    }


def test_a_text_cut_at_a_subscribe_prompt_keeps_its_reporting_and_loses_the_prompt(
    crawled,
) -> None:
    work, base, _ = crawled
    cut = stored(work / "a.db")[base + "news/cut.html"]
    lines = cut["text"].split("\n")
    assert lines == ["Cut story", *(f"{PARAGRAPH} Cut story, paragraph {n}." for n in range(3))]
    assert "subscribe" not in cut["text"].lower()
    extracted = decode_extracted(cut["extracted"])
    dropped = dict(zip(extracted.texts, extracted.reasons or [], strict=True))
    assert dropped[PROMPT] == PAYWALL_PROMPT


def test_the_crawl_summary_counts_paywalled_and_metered_articles(crawled) -> None:
    _, _, stdout = crawled
    assert "behind a paywall: metered 1, paywalled 2" in stdout


def test_a_dateless_page_takes_its_feed_or_news_sitemap_date(crawled) -> None:
    work, base, _ = crawled
    found = stored(work / "a.db")
    dates = {
        path: (found[base + path[1:]]["published"], found[base + path[1:]]["published_source"])
        for path in (*list(PAGES)[4:], "/news/lastmod-only.html")
    }
    assert dates == {
        "/news/ordinary.html": ("2026-11-02", "page"),
        "/news/feed-only.html": ("2026-11-05", "feed"),
        "/news/2026/11/03/url-dated.html": ("2026-11-06", "feed"),  # the feed before the URL
        "/news/page-dated.html": ("2026-11-01", "page"),  # the page before the feed
        "/news/sitemap-only.html": ("2026-11-07", "sitemap"),
        "/news/2026/11/04/url-only.html": ("2026-11-04", "url"),
        "/news/lastmod-only.html": (None, None),
    }


def test_search_filters_by_access(crawled) -> None:
    work, base, _ = crawled
    for access, expected in (
        ("paywalled", {"news/premium.html", "news/cut.html"}),
        ("metered", {"news/metered.html"}),
        ("free", {"news/free.html"}),
    ):
        result = run_archiver(
            "search", "harbour", "--access", access, "--json", "--db", "a.db", cwd=work
        )
        assert result.returncode == 0, result.stderr
        hits = [json.loads(line) for line in result.stdout.splitlines()]
        assert {hit["url"] for hit in hits} == {base + path for path in expected}, access
        assert {hit["access"] for hit in hits} == {access}
    unknown = run_archiver(
        "search", "harbour", "--access", "unknown", "--json", "--db", "a.db", cwd=work
    )
    assert base + "news/ordinary.html" in unknown.stdout
    assert base + "news/free.html" not in unknown.stdout
    assert {json.loads(line)["access"] for line in unknown.stdout.splitlines()} == {None}
    plain = run_archiver("search", "harbour", "--access", "metered", "--db", "a.db", cwd=work)
    assert " · metered" in plain.stdout  # the date line says so
    wrong = run_archiver("search", "harbour", "--access", "open", "--db", "a.db", cwd=work)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr


def test_the_reader_and_datasette_offer_the_access_filter(crawled) -> None:
    work, base, _ = crawled
    conn = sqlite3.connect(work / "a.db")
    conn.row_factory = sqlite3.Row
    try:
        listed, _ = latest(conn, Filters(access="metered"), 1)
    finally:
        conn.close()
    assert [row["url"] for row in listed] == [base + "news/metered.html"]
    facets = datasette_metadata("a", "http://127.0.0.1:8080/archive/")["databases"]["a"]["tables"][
        "articles"
    ]["facets"]
    assert "access" in facets and "published_source" in facets


def test_the_reader_s_article_page_says_when_the_article_is_behind_a_paywall(
    crawled, tmp_path
) -> None:
    work, base, _ = crawled
    ids = {
        access: rows(work / "a.db", "SELECT id FROM articles WHERE url = ?", base + path)[0][0]
        for access, path in (("metered", "news/metered.html"), ("free", "news/free.html"))
    }
    args = ["serve", "--db", str(work / "a.db"), "--replay-url", "http://127.0.0.1:9/archive/"]
    with ArchiverServer(args, free_port(), tmp_path, "/") as server:
        shown = {}
        for access, article_id in ids.items():
            code, _, data = fetch(f"{server.base}/article/{article_id}")
            assert code == 200
            byline = lxml_html.fromstring(data.decode("utf-8")).xpath("//p[@class='byline']")[0]
            shown[access] = " ".join(byline.text_content().split())
    assert shown["metered"].endswith("· metered")
    assert "metered" not in shown["free"] and "free" not in shown["free"]


def test_reextract_keeps_listing_dates_and_finds_access_again(crawled, tmp_path) -> None:
    work, base, _ = crawled
    copy = tmp_path / "a.db"
    with sqlite3.connect(work / "a.db") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    target.close()
    before = stored(copy)
    result = run_archiver(
        "reextract", "--warc-dir", str(work / "w"), "--db", str(copy), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    after = stored(copy)
    columns = ("access", "published", "published_source")
    assert {u: tuple(r[c] for c in columns) for u, r in after.items()} == {
        u: tuple(r[c] for c in columns) for u, r in before.items()
    }
    # Into a new archive, no listing is known: the page and its URL give what they give.
    fresh = run_archiver("reextract", "--warc-dir", str(work / "w"), "--db", "new.db", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    rebuilt = stored(tmp_path / "new.db")
    assert rebuilt[base + "news/feed-only.html"]["published"] is None
    assert rebuilt[base + "news/2026/11/03/url-dated.html"]["published_source"] == "url"
    assert rebuilt[base + "news/cut.html"]["access"] == "paywalled"


# -- extraction and rows, without a crawl ------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (json_ld({"@type": "NewsArticle", "isAccessibleForFree": "True"}), "free"),
        (json_ld({"@type": "NewsArticle", "isAccessibleForFree": "false"}), "paywalled"),
        (
            json_ld(
                {
                    "@graph": [
                        {
                            "@type": "NewsArticle",
                            "isAccessibleForFree": True,
                            "hasPart": [{"isAccessibleForFree": "False", "cssSelector": ".x"}],
                        }
                    ]
                }
            ),
            "paywalled",
        ),
        ("<meta name='article:content_tier' content='locked'>", "paywalled"),
        ("<meta property='article:content_tier' content='free'>", "free"),
        ("<meta property='article:content_tier' content='unknown'>", None),
    ],
)
def test_declared_access(head: str, expected: str | None) -> None:
    article = extract_article(page("Story", head), "https://x.org/news/a.html")
    assert article is not None and article.access == expected


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("<div class='article-paywall'><p>Log in</p></div>", "paywalled"),
        ("<div data-paywall='1'></div>", "paywalled"),
        ("<div id='meteredContent'></div>", "metered"),
        ("<div class='tp-container-inner tp-container'></div>", "metered"),
        ("<p class='aside'>We will never lock our stories behind a paywall.</p>", None),
        ("<div class='article no-paywall'></div><div class='hide-paywall-1'></div>", None),
        ("<script id='leaky_paywall_script-js' src='/p.js'></script>", None),
    ],
)
def test_paywall_markup(extra: str, expected: str | None) -> None:
    article = extract_article(page("Story", extra=extra), "https://x.org/news/a.html")
    assert article is not None and article.access == expected


@pytest.mark.parametrize(
    "prompt",
    [
        "You have reached your limit of free articles this month.",
        "Dieser Artikel ist nur für Abonnenten.",
        "La suite est réservée aux abonnés.",
        "Il vous reste 72% de cet article à lire.",
        "Suscríbete para seguir leyendo",
        "Este artículo es exclusivo para suscriptores.",
    ],
)
def test_a_text_that_stops_at_a_prompt_in_any_language(prompt: str) -> None:
    blocks = [Block(f"{PARAGRAPH} {n}.") for n in range(3)] + [Block(prompt)]
    reasons = drop_reasons(blocks)
    assert reasons == [None, None, None, PAYWALL_PROMPT]
    assert stops_at_paywall(reasons)


def test_a_prompt_followed_by_reporting_does_not_make_a_paywall() -> None:
    blocks = [Block(f"{PARAGRAPH} 1."), Block(PROMPT), Block(f"{PARAGRAPH} 2.")]
    reasons = drop_reasons(blocks)
    assert reasons[1] == PAYWALL_PROMPT and not stops_at_paywall(reasons)


def test_a_declared_meter_stays_metered_when_its_prompt_shows() -> None:
    html = page(
        "Story",
        "<meta property='article:content_tier' content='metered'>",
        "<p>You have reached your limit of free articles.</p>",
    )
    article = extract_article(html, "https://x.org/news/a.html")
    assert article is not None and article.access == "metered"


@pytest.mark.parametrize(
    ("extra", "url", "expected"),
    [
        (
            "<time datetime='2026-11-05'>5 Nov</time>",
            "https://x.org/n/2026/11/03/a",
            "2026-11-05 page",
        ),
        ("", "https://x.org/n/2026/11/03/a", "2026-11-03 url"),
        ("<p>Posted 2026-11-04 09:30</p>", "https://x.org/n/a", "2026-11-04 guessed"),
        ("", "https://x.org/n/a", "None None"),
    ],
)
def test_each_date_says_where_it_came_from(extra: str, url: str, expected: str) -> None:
    article = extract_article(page("Story", extra=extra), url)
    assert article is not None
    assert f"{article.published} {article.published_source}" == expected


def test_a_listed_date_ranks_below_the_page_and_above_the_url(tmp_path: Path) -> None:
    listed = ListedDate("2026-11-06", "feed")
    dated = extract_article(page("Story", published("2026-11-01")), "https://x.org/n/a")
    in_url = extract_article(page("Story"), "https://x.org/n/2026/11/03/a")
    assert dated is not None and in_url is not None
    assert article_row(dated, None, "2026-11-10", listed=listed).published == "2026-11-01"
    row = article_row(in_url, None, "2026-11-10", listed=listed)
    assert (row.published, row.published_source) == ("2026-11-06", "feed")
    for implausible in ("1970-01-01", "2999-01-01"):
        wrong = article_row(in_url, None, "2026-11-10", listed=ListedDate(implausible, "feed"))
        assert wrong.published_source == "url"
    with ArticleStore(tmp_path / "a.db") as store:
        assert store.save_article(row) == "new"
        # the same page again without its feed: the stored feed date stays, the row unchanged
        again = article_row(in_url, None, "2026-11-11")
        assert again.published_source == "url"
        assert store.save_article(again) == "unchanged"
        kept = store.db.execute("SELECT published, published_source FROM articles").fetchone()
        assert tuple(kept) == ("2026-11-06", "feed")
