"""Feeds, sitemaps and response sniffing: real documents in, dated entries out, damage noticed."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import pytest

from spiders.documents import (
    FEED,
    GZIP,
    HTML,
    OTHER,
    SITEMAP,
    DecompressionError,
    InflatesTooFar,
    gunzip,
    looks_like_html,
    sniff,
)
from spiders.entries import Entry, parse_date, published_before
from spiders.feeds import parse_feed
from spiders.sitemaps import parse_sitemap
from tests import newssite
from tests.badsite import gzip_bomb

BASE = "http://127.0.0.1:8000/"


def test_rss_items_give_links_and_dates() -> None:
    feed = newssite.rss(BASE, newssite.IN_RSS + newssite.OLD_STORIES)
    listing = parse_feed(feed.encode(), BASE)
    assert not listing.malformed
    assert [e.url for e in listing.entries] == [
        s.url(BASE) for s in newssite.IN_RSS + newssite.OLD_STORIES
    ]
    assert listing.entries[0].published == datetime(2026, 11, 20, 8, tzinfo=UTC)


def test_atom_entries_prefer_the_alternate_link() -> None:
    feed = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
      <entry><link rel="self" href="/api/1"/><link href="/news/one.html"/>
        <published>2026-11-02T10:00:00+01:00</published><updated>2026-11-05T00:00:00Z</updated>
      </entry>
      <entry><link rel="alternate" type="text/html" href="http://127.0.0.1:8000/two.html"/>
        <updated>2026-11-03</updated></entry>
    </feed>"""
    listing = parse_feed(feed, BASE)
    assert [e.url for e in listing.entries] == [BASE + "news/one.html", BASE + "two.html"]
    assert listing.entries[0].published == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert listing.entries[1].published == datetime(2026, 11, 3, tzinfo=UTC)


def test_rss_1_0_rdf_items_are_read() -> None:
    feed = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <item rdf:about="http://127.0.0.1:8000/a.html"><dc:date>2026-10-01</dc:date></item>
    </rdf:RDF>"""
    (entry,) = parse_feed(feed, BASE).entries
    assert entry == Entry(BASE + "a.html", datetime(2026, 10, 1, tzinfo=UTC))


def test_a_truncated_feed_is_malformed_but_gives_what_it_can() -> None:
    feed = newssite.rss(BASE, newssite.LINKED)
    listing = parse_feed(feed[: feed.rindex("<item>") + 20].encode(), BASE)
    assert listing.malformed
    assert [e.url for e in listing.entries] == [s.url(BASE) for s in newssite.LINKED[:2]]


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"\x00\xff"])
def test_what_is_not_a_feed_is_malformed(body: bytes) -> None:
    listing = parse_feed(body, BASE)
    assert listing.malformed and listing.entries == ()


def test_google_news_sitemap_dates_come_from_publication_date() -> None:
    xml = newssite.news_sitemap(BASE, newssite.IN_NEWS_SITEMAP).encode()
    listing = parse_sitemap(xml, BASE)
    assert listing.kind == "urlset" and not listing.malformed
    assert [e.url for e in listing.entries] == [s.url(BASE) for s in newssite.IN_NEWS_SITEMAP]
    assert {e.published for e in listing.entries} == {datetime(2026, 11, 20, tzinfo=UTC)}


def test_sitemap_index_lists_sitemaps_with_lastmod() -> None:
    xml = newssite.sitemap_index(
        BASE, [("/a.xml", date(2026, 1, 1)), ("/b.xml.gz", date(2019, 1, 1))]
    )
    listing = parse_sitemap(xml.encode(), BASE)
    assert listing.kind == "sitemapindex"
    assert [(e.url, e.published) for e in listing.entries] == [
        (BASE + "a.xml", datetime(2026, 1, 1, tzinfo=UTC)),
        (BASE + "b.xml.gz", datetime(2019, 1, 1, tzinfo=UTC)),
    ]


def test_entries_a_crawl_cannot_request_are_counted_as_bad_urls() -> None:
    locs = ["/kept", "javascript:void(0)", "mailto:desk@example.org", "ftp://h/x", "A:////"]
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    listing = parse_sitemap(f"<urlset>{urls}</urlset>".encode(), BASE)
    assert [e.url for e in listing.entries] == [BASE + "kept"]
    assert listing.bad == ("bad URL",) * 4
    items = "".join(f"<item><link>{loc}</link></item>" for loc in locs)
    feed = parse_feed(f"<rss><channel>{items}</channel></rss>".encode(), BASE)
    assert [e.url for e in feed.entries] == [BASE + "kept"]
    assert feed.bad == ("bad URL",) * 4


def test_a_broken_sitemap_is_malformed() -> None:
    xml = b"<?xml version='1.0'?><urlset><url><loc>http://x/1</loc></url<url><loc>"
    listing = parse_sitemap(xml, BASE)
    assert listing.malformed
    assert [e.url for e in listing.entries] == ["http://x/1"]
    assert parse_sitemap(b"<html><body>moved</body></html>", BASE).malformed


def test_entities_are_not_expanded() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>http://x/&b;</loc></url></urlset>"
    )
    listing = parse_sitemap(laughs, BASE)
    assert all(len(e.url) < 100 for e in listing.entries)


def test_gzip_is_inflated_within_a_limit() -> None:
    body = gzip.compress(b"<urlset/>")
    assert gunzip(body, 1000) == b"<urlset/>"
    with pytest.raises(InflatesTooFar):
        gunzip(gzip_bomb(5), 1_000_000)
    with pytest.raises(DecompressionError):
        gunzip(body[:-6], 1000)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"<?xml version='1.0'?>\n<!-- c --><rss version='2.0'>", FEED),
        (b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'>", FEED),
        (b"<rdf:RDF xmlns:rdf='x'>", FEED),
        (b"<?xml version='1.0'?><urlset xmlns='x'>", SITEMAP),
        (b"  <sitemapindex>", SITEMAP),
        (b"<!DOCTYPE html><html><head>", HTML),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", HTML),
        (b"\x1f\x8b\x08\x00", GZIP),
        (b"body { color: red }", OTHER),
        (b"\x89PNG\r\n", OTHER),
    ],
)
def test_sniffing_reads_the_bytes_not_the_name(body: bytes, kind: str) -> None:
    assert sniff(body) == kind


def test_an_html_robots_txt_is_recognised() -> None:
    assert looks_like_html(b"<!doctype html><html><body><h1>Welcome</h1>")
    assert looks_like_html(b"\n<p>Sorry, this page has moved</p>")
    assert not looks_like_html(b"User-agent: *\nDisallow: /private/\nSitemap: /s.xml\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fri, 20 Nov 2026 08:00:00 GMT", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("Fri, 20 Nov 2026 08:00:00 +0100", datetime(2026, 11, 20, 7, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        ("2026-11-20T08:00Z", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("2026-11", datetime(2026, 11, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_dates_in_every_format_feeds_use(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_since_skips_older_entries_and_keeps_undated_ones() -> None:
    since = date(2026, 11, 1)
    assert published_before(Entry("u", datetime(2026, 10, 31, 23, tzinfo=UTC)), since)
    assert not published_before(Entry("u", datetime(2026, 11, 1, tzinfo=UTC)), since)
    assert not published_before(Entry("u", None), since)
    assert not published_before(Entry("u", datetime(2000, 1, 1, tzinfo=UTC)), None)
