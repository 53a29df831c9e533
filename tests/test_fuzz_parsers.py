"""Fuzzing the parsers a crawl feeds with what sites send: no input makes one raise.

Each test is bounded (``max_examples``, ``deadline``) so the suite stays fast; every input
hypothesis found that broke a parser is kept as an ``@example``.
"""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.robotstxt import ProtegoRobotParser

from archiver.extraction.analysis import analyse
from archiver.extraction.urls import BadUrl, canonical_article_url, check_seed, clean_url
from spiders.documents import robots_sitemaps
from spiders.entries import parse_date
from spiders.feeds import parse_feed
from spiders.sitemaps import parse_sitemap

BASE = "http://127.0.0.1:8000/news/"
BOUNDED = settings(
    max_examples=150,
    deadline=5000,  # generous: the machine is shared; max_examples is the real bound
    database=None,  # nothing written beside the tests
    suppress_health_check=[HealthCheck.too_slow],
)

# Pieces URLs are made of, the broken ones sites really publish among them.
URL_PARTS = st.sampled_from(
    [
        "http://", "https://", "//", "h", "127.0.0.1", "[::1]", "[::1", "[x", ":", ":99999",
        ":-1", ":0", ":80", "/", "a", "?", "q=1", "&", "#", "%", "%zz", "\x00", "\x0b", " ",
        "\t", "\ud800", "\u00e9", "javascript:", "data:", "file:///", "@", "..", "\\",
        "utm_source=x",
    ]
)  # fmt: skip
URLS = st.one_of(st.text(max_size=60), st.lists(URL_PARTS, max_size=12).map("".join))
# What sites put in an XML text node: text, character references (lone surrogates too).
XML_TEXT = st.one_of(
    URLS,
    st.integers(min_value=0, max_value=0x10FFFF).map(lambda n: f"&#x{n:X};"),
    st.sampled_from(["2024-13", "2024-02-30", "0000-01-01", "9999-12-31T23:59:59-23:59", "&lt;"]),
)


def _sitemap(locs: list[str], dates: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>{loc}</loc><lastmod>{date}</lastmod></url>"
        for loc, date in zip(locs, dates, strict=False)
    )
    text = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    return text.encode("utf-8", "surrogatepass")


def _feed(links: list[str], dates: list[str]) -> bytes:
    items = "".join(
        f"<item><link>{link}</link><pubDate>{date}</pubDate><guid>{link}</guid></item>"
        for link, date in zip(links, dates, strict=False)
    )
    return f"<rss><channel>{items}</channel></rss>".encode("utf-8", "surrogatepass")


@BOUNDED
@given(st.lists(XML_TEXT, max_size=8), st.lists(XML_TEXT, max_size=8))
@example(["http://h/&#xD800;", "http://[::1/x", "http://h:99999/x", "ok"], ["2024-13"] * 4)
@example(["A:////", "javascript:x", "file:///etc/passwd"], [""])  # no scheme a crawl requests
def test_a_sitemap_never_raises_and_lists_only_crawlable_urls(
    locs: list[str], dates: list[str]
) -> None:
    listing = parse_sitemap(_sitemap(locs, dates), BASE)
    for entry in listing.entries:
        assert entry.url.startswith(("http://", "https://"))
        assert clean_url(entry.url) == entry.url
    assert len(listing.entries) + listing.bad.count("bad URL") <= len(locs)


@BOUNDED
@given(st.lists(XML_TEXT, max_size=8), st.lists(XML_TEXT, max_size=8))
@example(["0 #0"], [""])  # a space before the fragment: cleaned twice, spelled twice
@example(["http://h:99999/", "http://h/&#xD800;", "/ok"], ["2024-13", "Fri, 99 Nov 2026", ""])
@example(["A:////", "mailto:a@b", "data:,x"], [""])  # no scheme a crawl requests
def test_a_feed_never_raises_and_lists_only_crawlable_urls(
    links: list[str], dates: list[str]
) -> None:
    listing = parse_feed(_feed(links, dates), BASE)
    for entry in listing.entries:
        assert entry.url.startswith(("http://", "https://"))
        assert clean_url(entry.url) == entry.url


@BOUNDED
@given(st.binary(max_size=400))
@example(b"<urlset><url><loc>http://h/\xed\xa0\x80</loc></url></urlset>")
@example(b"\xef\xbb\xbf<rss><channel><item><link>http://[x</link></item></channel></rss>")
def test_any_bytes_are_a_listing_or_malformed(body: bytes) -> None:
    for listing in (parse_feed(body, BASE), parse_sitemap(body, BASE)):
        assert listing.entries == () or not listing.malformed or listing.entries


@BOUNDED
@given(st.text(max_size=40))
@example("2024-13")
@example("0000-00")
@example("9999-12-31T23:59:59-23:59")
@example("Fri, 31 Dec 9999 23:59:59 -2359")
def test_any_date_text_parses_or_is_none(text: str) -> None:
    parsed = parse_date(text)
    assert parsed is None or parsed.tzinfo is not None


@BOUNDED
@given(URLS)
@example("http://[::1/x")
@example("http://h:99999/x")
@example("http://h:-1/x")
@example("http://h/\ud800")
@example("http://h\x00/x")
@example("HTTP:////")  # no host: cleaned once "http:///", twice "http://"
@example("A:////")
def test_url_cleaning_raises_only_bad_url_and_is_stable(url: str) -> None:
    try:
        cleaned = clean_url(url)
    except BadUrl:
        return
    if cleaned.startswith(("http://", "https://")):  # what a crawl requests: one spelling
        assert clean_url(cleaned) == cleaned
    assert canonical_article_url("http://127.0.0.1:8000/a", url)


@BOUNDED
@given(URLS)
@example("file:///etc/passwd")
@example("data:text/html,<h1>x</h1>")
@example("javascript:alert(1)")
@example("http://[::1")
@example("not a url")
def test_a_seed_is_an_http_url_or_refused(text: str) -> None:
    try:
        url = check_seed(text)
    except BadUrl as exc:
        assert str(exc)
        return
    assert url.startswith(("http://", "https://"))


@BOUNDED
@given(st.lists(st.one_of(URLS, st.sampled_from(["Sitemap: ", "User-agent: *", "Disallow: /"]))))
@example(["Sitemap: http://[::1/x", "Sitemap: http://h:99999/s.xml", "Sitemap: \ud800"])
def test_robots_txt_never_raises(lines: list[str]) -> None:
    body = "\n".join(lines).encode("utf-8", "surrogatepass")
    values = robots_sitemaps(body)
    plain = [line[9:].strip() for line in lines if line.lower().startswith("sitemap: ")]
    assert {v for v in plain if v and v.isprintable() and v.isascii()} <= set(values)
    for value in values:
        try:
            clean_url(urljoin(BASE, value))
        except ValueError:  # what the spider counts as a bad link, and goes on
            continue
    parser = ProtegoRobotParser(body, None)  # what Scrapy obeys robots.txt with
    parser.allowed("http://127.0.0.1:8000/news/a.html", "news-archiver")


HTML_PARTS = st.sampled_from(
    [
        "<p>", "</p>", "<script>", "</script>", "<style>x</style>", "<a href='/x'>", "</a>",
        "<link rel=canonical href='http://[x/'>", "<link rel=canonical href='http://h:99999/'>",
        "<meta property='og:type' content='article'>", "<h2>", "</h2>", "\x00", "\x0b", "\x0c",
        "\ud800", "&#xD800;", "&#0;", "text of some length ", "<!--", "-->", "<![CDATA[", "]]>",
        "<html>", "<body>", "<article>", "</article>", "<br>", "\ufffe",
    ]
)  # fmt: skip


@settings(max_examples=60, deadline=None, database=None)  # trafilatura warms up on the first
@given(st.lists(HTML_PARTS, max_size=30).map("".join))
@example("<p>a<script></script>\x0bb</p>")
@example("<link rel=canonical href='http://[x/'><article><p>" + "Long text. " * 60 + "</p>")
def test_analyse_never_raises(html: str) -> None:
    body = html.encode("utf-8", "surrogatepass")
    analysis = analyse(body, "http://127.0.0.1:8000/a.html", "text/html; charset=utf-8", 50)
    assert analysis.kind
