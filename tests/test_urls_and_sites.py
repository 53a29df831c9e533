"""URL hygiene, host checks, the crawl plan and the sites file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from scrapy.settings import Settings

from archiver.crawl.plan import plan_from
from archiver.crawl.sitesfile import SitesFileError, css_or_xpath, load_sites
from archiver.extraction.urls import (
    canonical_article_url,
    clean_url,
    is_tracking_parameter,
    non_public_address,
    on_hosts,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("http://Example.ORG/a#frag", "http://example.org/a"),
        ("http://example.org:80/a?utm_source=x&utm_medium=y", "http://example.org/a"),
        (
            "https://example.org/a?id=3&fbclid=z&gclid=q&mc_cid=1&mc_eid=2",
            "https://example.org/a?id=3",
        ),
        ("http://example.org/a?b=2&a=1&c=", "http://example.org/a?b=2&a=1&c="),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
        ("http://[::1]:8080/x#y", "http://[::1]:8080/x"),
    ],
)
def test_clean_url(url: str, clean: str) -> None:
    assert clean_url(url) == clean


def test_tracking_parameters() -> None:
    for name in ("utm_campaign", "UTM_Source", "fbclid", "gclid", "msclkid", "mc_cid", "_ga"):
        assert is_tracking_parameter(name)
    for name in ("id", "page", "q", "p", "utmost"):
        assert not is_tracking_parameter(name)


def test_canonical_links_are_resolved_and_kept_on_site() -> None:
    page = "http://127.0.0.1:9000/amp/story.html?utm_source=t"
    assert (
        canonical_article_url(page, "/news/story.html") == "http://127.0.0.1:9000/news/story.html"
    )
    assert canonical_article_url(page, "../news/story.html#top") == (
        "http://127.0.0.1:9000/news/story.html"
    )
    # another site's canonical (syndication) and junk are ignored: stored where it was fetched
    assert canonical_article_url(page, "https://wire.example/story") == (
        "http://127.0.0.1:9000/amp/story.html"
    )
    assert (
        canonical_article_url(page, "javascript:void(0)") == "http://127.0.0.1:9000/amp/story.html"
    )
    assert canonical_article_url(page, None) == "http://127.0.0.1:9000/amp/story.html"


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.9.9.9", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "::1",
     "fe80::1", "fc00::1", "0.0.0.0", "100.64.0.1", "::ffff:192.168.0.1", "localhost",
     "db.internal", "printer.local"],
)  # fmt: skip
def test_non_public_addresses(host: str) -> None:
    assert non_public_address(host)


@pytest.mark.parametrize(
    "host", ["8.8.8.8", "2001:4860:4860::8888", "example.org", "news.bbc.co.uk"]
)
def test_public_addresses(host: str) -> None:
    assert not non_public_address(host)


def test_hosts_include_subdomains_only() -> None:
    hosts = ["example.org", "127.0.0.5"]
    assert on_hosts("http://example.org/a", hosts)
    assert on_hosts("https://www.example.org/a", hosts)
    assert on_hosts("http://127.0.0.5:8000/", hosts)
    assert not on_hosts("http://badexample.org/", hosts)
    assert not on_hosts("http://127.0.0.6:8000/", hosts)


def test_the_documented_sites_file_loads() -> None:
    first, second = load_sites(DOCS / "sites.example.toml")
    assert first.name == "Harbour Gazette"
    assert first.max_pages == 2000 and first.depth == 3 and first.since == date(2026, 1, 1)
    assert first.hosts == ("www.harbourgazette.example", "media.harbourgazette.example")
    assert len(first.prune) == 3 and first.prune[2] == "//div[@data-widget='most-read']"
    assert second.max_pages == 300 and second.since == date(2026, 11, 1)
    assert second.seeds == () and second.feeds == ("https://valleypost.example/feed/atom/",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "lists no sites"),
        ("[[site]]\nname = 'x'\n", "give at least one of seeds, feeds, sitemaps"),
        ("[[site]]\nseeds = ['http://a.example/']\nmax_pages = 0\n", "max_pages must be"),
        ("[[site]]\nseeds = ['http://a.example/']\nsince = 'soon'\n", "since must be a date"),
        ("[[site]]\nseeds = ['http://a.example/']\nprune = ['p[']\n", "bad CSS selector"),
        ("[[site]]\nseeds = ['http://a.example/']\nprune = ['//p[']\n", "bad XPath"),
        ("[[site]]\nseeds = ['http://a.example/']\nseed = 'typo'\n", "unknown key(s) seed"),
        ("[[site]\n", "not valid TOML"),
    ],
)
def test_sites_file_errors_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SitesFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_sites(path)


def test_css_selectors_become_xpath() -> None:
    assert css_or_xpath("//aside") == "//aside"
    assert css_or_xpath("aside.related").startswith("descendant-or-self::aside")


def test_the_plan_joins_seeds_sites_and_options(tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        "[[site]]\nname = 'b'\nfeeds = ['http://b.example/rss']\nsince = '2026-10-01'\n"
        "prune = ['.promo']\n",
        encoding="utf-8",
    )
    settings = Settings(
        {
            "CRAWL_SITES_FILE": str(sites),
            "CRAWL_ALLOW_HOSTS": ["cdn.example"],
            "CRAWL_SINCE": "2026-01-01",
        }
    )
    plan = plan_from(["a.example/news/", "http://a.example/"], settings)
    assert plan.seeds == ["http://a.example/news/", "http://a.example/", "http://b.example/rss"]
    assert plan.hosts == ("a.example", "b.example", "cdn.example")
    assert plan.named_hosts == {"a.example", "b.example"}
    assert plan.since_for("http://a.example/x") == date(2026, 1, 1)
    assert plan.since_for("http://b.example/x") == date(2026, 10, 1)
    assert plan.prune_for("http://a.example/x") == ()
    assert plan.prune_for("http://b.example/x")
    assert plan.allows("http://img.cdn.example/x.png") and not plan.allows("http://c.example/")
