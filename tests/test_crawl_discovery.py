"""Crawls of the generated news site: seeds of every kind, hubs, URL hygiene, politeness, bounds."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.crawl.runner import project_settings
from storage.warcread import verify_warc
from tests import newssite
from tests.conftest import rows, run_archiver
from tests.siteserver import SiteServer, reply

FAST = ("-s", "AUTOTHROTTLE_ENABLED=False")  # loopback sites: no need to wait between requests


def crawl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_archiver("crawl", "--db", "a.db", "--warc-dir", "w", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def news_site(host: str, elsewhere: str = "http://127.0.0.1:9/", **options: bool) -> SiteServer:
    server = SiteServer(host)
    newssite.build(server, elsewhere, **options)
    return server


@pytest.fixture(scope="module")
def full_crawl(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, SiteServer, SiteServer, str]]:
    """The homepage as the only seed; the other loopback host allowed but never named."""
    work = tmp_path_factory.mktemp("discovery")
    with SiteServer("127.0.0.52") as other:
        other.routes["/"] = reply("<h1>Intranet</h1>")
        other.routes["/landing.html"] = reply("<h1>Intranet</h1>")
        with news_site("127.0.0.51", other.url) as site:
            args = [site.url, "--allow-host", other.host, *FAST]
            result = crawl(work, *args, "-s", "ARCHIVER_CONTACT=mailto:ops@example.org")
            yield work, site, other, result.stdout


def test_articles_are_found_through_links_feeds_and_sitemaps(full_crawl) -> None:
    work, site, _, _ = full_crawl
    stored = {row["url"] for row in rows(work / "a.db", "SELECT url FROM articles")}
    assert stored == {story.url(site.url) for story in newssite.all_stories()}
    for path in ("/feed.xml", "/atom.xml", "/sitemap_index.xml", "/sitemap-news.xml.gz"):
        assert site.hits(path) == 1, path


def test_hubs_are_captured_but_not_stored(full_crawl) -> None:
    work, site, _, _ = full_crawl
    kinds = {
        row["url"]: row["kind"] for row in rows(work / "a.db", "SELECT url, kind FROM captures")
    }
    for hub in newssite.HUBS:
        assert kinds[site.url + hub.lstrip("/")] == "hub", hub
    for story in newssite.all_stories():
        assert kinds[story.url(site.url)] == "article", story.path
    for listing in ("feed.xml", "atom.xml", "sitemap_index.xml", "robots.txt"):
        assert kinds[site.url + listing] is None


def test_one_article_reached_by_two_urls_is_stored_once(full_crawl) -> None:
    work, site, _, _ = full_crawl
    amp = site.url + newssite.AMP.lstrip("/")
    canonical = newssite.LINKED[1].url(site.url)
    captured = {row["url"] for row in rows(work / "a.db", "SELECT url FROM captures")}
    assert {amp, canonical} <= captured
    (article,) = rows(
        work / "a.db", "SELECT url, text FROM articles WHERE title = ?", "Harbour wall repairs"
    )
    assert article["url"] == canonical
    assert "accelerated mobile page" not in article["text"]  # the canonical page's own text


def test_tracking_parameters_and_fragments_never_reach_the_server(full_crawl) -> None:
    _, site, _, _ = full_crawl
    paths = site.paths()
    assert not [p for p in paths if "utm_" in p or "fbclid" in p or "#" in p]
    assert site.hits(newssite.LINKED[0].path) == 1
    assert [path for path, count in Counter(paths).items() if count > 1] == []


def test_private_addresses_are_refused_even_when_allowed_as_hosts(full_crawl) -> None:
    work, site, other, output = full_crawl
    assert other.paths() == []  # neither the link nor the redirect to it was followed
    assert site.hits("/go/away") == 1
    assert "private address 2" in output


def test_robots_txt_is_obeyed_and_the_user_agent_names_the_contact(full_crawl) -> None:
    _, site, _, output = full_crawl
    assert site.hits("/private/drafts.html") == 0
    assert "forbidden by robots.txt 1" in output
    agents = {headers.get("User-Agent") for _, headers in site.requests}
    assert agents == {"news-archiver/0.1 (+mailto:ops@example.org)"}


def test_every_warc_file_is_whole(full_crawl) -> None:
    work, _, _, _ = full_crawl
    files = list((work / "w").glob("*.warc.gz"))
    assert files and all(verify_warc(path) > 0 for path in files)


SEED_KINDS = [
    ("/feed.xml", "1", newssite.IN_RSS + newssite.OLD_STORIES[:1]),
    ("/atom.xml", "1", newssite.IN_ATOM),
    ("/sitemap-news.xml.gz", "1", newssite.IN_NEWS_SITEMAP),
    (
        "/sitemap_index.xml",
        "2",
        newssite.IN_NEWS_SITEMAP + newssite.IN_PAGES_SITEMAP + newssite.OLD_STORIES,
    ),
]


@pytest.mark.parametrize(("seed", "depth", "wanted"), SEED_KINDS, ids=[s[0] for s in SEED_KINDS])
def test_a_seed_of_any_kind_is_read_for_what_it_is(
    tmp_path: Path, seed: str, depth: str, wanted: list[newssite.Story]
) -> None:
    with news_site("127.0.0.53", robots_sitemaps=False) as site:
        crawl(tmp_path, site.url + seed.lstrip("/"), "--depth", depth, *FAST)
        fetched = set(site.paths())
    assert {story.path for story in wanted} <= fetched
    stored = {row["url"] for row in rows(tmp_path / "a.db", "SELECT url FROM articles")}
    assert stored == {story.url(site.url) for story in wanted}
    assert "/" not in fetched  # found from the seed alone, not by walking the site


def test_robots_txt_as_a_seed_and_since(tmp_path: Path) -> None:
    with news_site("127.0.0.54") as site:
        args = ["--since", "2026-01-01", "--depth", "3", *FAST]
        result = crawl(tmp_path, site.url + "robots.txt", *args)
        fetched = site.paths()
    recent = newssite.IN_NEWS_SITEMAP + newssite.IN_PAGES_SITEMAP
    expected = ["/robots.txt", "/sitemap_index.xml", "/sitemap-news.xml.gz", "/sitemap-pages.xml"]
    assert set(fetched) == {*expected, *(story.path for story in recent)}
    assert "before --since 2" in result.stdout  # sitemap-2019.xml, and the old page's entry


def test_a_sites_file_sets_per_site_limits_and_prune_selectors(tmp_path: Path) -> None:
    with news_site("127.0.0.55") as first, news_site("127.0.0.56", robots_sitemaps=False) as other:
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[[site]]\nname = "first"\nseeds = ["{first.url}"]\nmax_pages = 10\n\n'
            f'[[site]]\nname = "other"\nfeeds = ["{other.url}atom.xml", "{other.url}feed.xml"]\n'
            'prune = [".factbox"]\nsince = "2026-01-01"\n',
            encoding="utf-8",
        )
        result = crawl(tmp_path, "--sites", str(sites), *FAST)
        first_paths, other_paths = first.paths(), other.paths()
    assert len([p for p in first_paths if p != "/robots.txt"]) == 10 < len(first.routes)
    assert "site page limit" in result.stdout
    assert "/news/2019/05/02/old-ferry-fares.html" not in other_paths  # the site's own since
    texts = {
        row["url"]: row["text"] for row in rows(tmp_path / "a.db", "SELECT url, text FROM articles")
    }
    for story in newssite.IN_RSS + newssite.IN_ATOM:  # named by the sites file: not refused
        assert newssite.FACT not in texts[story.url(other.url)]
    assert any(newssite.FACT in text for url, text in texts.items() if url.startswith(first.url))
    (recorded,) = rows(tmp_path / "a.db", "SELECT seeds, settings FROM crawls")
    assert f"{other.url}atom.xml" in json.loads(recorded["seeds"])
    assert json.loads(recorded["settings"])["CRAWL_SITES_FILE"] == str(sites)
    # Rebuilt from the WARC files with the same sites file, the pruned text comes back as stored.
    for name, options in (("same.db", ("--sites", str(sites))), ("whole.db", ())):
        rebuilt = run_archiver("reextract", "--warc-dir", "w", "--db", name, *options, cwd=tmp_path)
        assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    same = dict(rows(tmp_path / "same.db", "SELECT url, text FROM articles"))
    whole = dict(rows(tmp_path / "whole.db", "SELECT url, text FROM articles"))
    assert same == texts
    for story in newssite.IN_RSS + newssite.IN_ATOM:
        assert newssite.FACT in whole[story.url(other.url)]


def test_a_bad_sites_file_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "x"\nseeds = ["http://127.0.0.1/"]\ndepth = -1\n')
    result = run_archiver("crawl", "--sites", str(sites), "--db", "a.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "site 'x': depth must be a whole number zero or more" in result.stderr
    assert "Traceback" not in result.stderr
    nothing = run_archiver("crawl", "--db", "a.db", cwd=tmp_path)
    assert nothing.returncode == 2 and "give SEEDS, or a sites file with --sites" in nothing.stderr
    rebuild = run_archiver("reextract", "--sites", str(sites), "--db", "r.db", cwd=tmp_path)
    assert rebuild.returncode == 2 and "Traceback" not in rebuild.stderr
    assert "site 'x': depth must be a whole number zero or more" in rebuild.stderr


def test_politeness_is_the_default_and_every_default_can_be_overridden(tmp_path: Path) -> None:
    settings = project_settings()
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 4
    runs = [tmp_path / name for name in ("polite", "fast", "overridden")]
    for run in runs:
        run.mkdir()
    server = SiteServer("127.0.0.57")
    newssite.build_many(server, 40)
    with server:
        polite = crawl(runs[0], server.url, "--max-pages", "5")
        assert "AutoThrottle" in polite.stderr  # listed among the enabled extensions
        agents = {headers.get("User-Agent") for _, headers in server.requests}
        assert agents == {"news-archiver/0.1 (+https://github.com/news-archiver)"}
        assert server.paths().count("/robots.txt") == 1
        assert len(server.requests) == 1 + 5  # not one more, queued or not
        assert "over --max-pages" in polite.stdout

        server.max_in_flight, server.delay = 0, 0.1
        fast = crawl(runs[1], server.url, *FAST)
        assert "AutoThrottle" not in fast.stderr
        assert 2 < server.max_in_flight <= 4  # CONCURRENT_REQUESTS_PER_DOMAIN

        server.max_in_flight, before = 0, len(server.requests)
        crawl(
            runs[2], server.url, *FAST,
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "USER_AGENT=custom-bot/1.0",
        )  # fmt: skip
        assert 1 < server.max_in_flight <= 2
        assert {h.get("User-Agent") for _, h in server.requests[before:]} == {"custom-bot/1.0"}


def test_the_crawl_stays_on_the_seed_sites_unless_allow_host_widens_it(tmp_path: Path) -> None:
    """With the address guard off (every host here is loopback), only --allow-host lets it out."""
    runs = [tmp_path / "kept", tmp_path / "widened"]
    with SiteServer("127.0.0.58") as other:
        other.routes["/"] = reply("<h1>Other site</h1>")
        other.routes["/landing.html"] = reply("<h1>Landing</h1>")
        with news_site("127.0.0.59", other.url) as site:
            for run, extra in zip(runs, [(), ("--allow-host", other.host)], strict=True):
                run.mkdir()
                guard_off = ("-s", "ADDRESS_GUARD_ENABLED=False", "--depth", "1")
                result = crawl(run, site.url, *guard_off, *extra, *FAST)
                if not extra:
                    assert other.paths() == []
                    assert "off the crawl's hosts 1" in result.stdout  # the redirect
    assert sorted(other.paths()) == ["/", "/landing.html", "/robots.txt"]
