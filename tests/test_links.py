"""The spider's links and their clean URLs are exactly what Scrapy's own calls would give."""

from __future__ import annotations

import random
from html import escape
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.linkextractors import LinkExtractor

from archiver.extraction.urls import BadUrl, clean_url
from spiders import links
from spiders.links import LinkCleaner, page_links

SITES = Path(__file__).parent / "site"
_SCRAPY = LinkExtractor(unique=True, deny_extensions=[])
# Pieces of hrefs: paths, hosts, schemes, the characters URL parsing treats specially
# (whitespace it strips or deletes, brackets of IPv6 hosts, ports out of range) and non-ASCII.
_PIECES = [
    *("/", "//", "///", "?", "#", ":", ".", "..", "\\", "@", ";p", "&", "=", "%", "%zz"),
    *("http:", "https:", "HTTP:", "ftp:", "mailto:", "javascript:", "file:"),
    *("a", "b.html", "x.y", "example.org", "127.0.0.1", "[::1]", "[", "]", ":80", ":99999"),
    *(" ", "\t", "\n", "\r", "\x0c", "\x01", "é", "ü", "utm_source=x", "&amp;"),
]
_STARTS = ["", "/", "//", "http://", "https://", "HTTP://", "//h.test", "http://h.test", "/a/"]
# Each resolved with more of the base than its scheme and netloc, or made so by URL parsing,
# or too long to be remembered
_EDGES = [
    "//",
    "//:",
    "//:#/",
    "//?x",
    "http://",
    "http://?x",
    "/\t/",
    "//\x01",
    "///x",
    "http:///x",
    "/" + "é" * 600,
    "//h.test/" + "x" * 600,
]
_PAGES = [
    "http://h.test/a/b/c.html?q=1",
    "http://h.test/x/",
    "http://h.test/",
    "https://h.test/a/b",
    "http://other.test:8080/d/e?f#g",
]
_BASES = [None, None, "/base/dir/", "https://b.test/x/y", "http://h.test/z?w", "//c.test/p/"]


def _hrefs(rng: random.Random, count: int) -> list[str]:
    """Random hrefs, most of them of the kinds that are remembered, and the edge cases."""
    made = [
        rng.choice(_STARTS) + "".join(rng.choices(_PIECES, k=rng.randint(0, 5)))
        for _ in range(count)
    ]
    return made + rng.sample(_EDGES, 2)


def _page(hrefs: list[str], base: str | None) -> bytes:
    head = f'<base href="{escape(base)}">' if base else ""
    anchors = "".join(f'<a href="{escape(h)}">a</a><area href="{escape(h)}">' for h in hrefs)
    return f"<html><head>{head}</head><body>{anchors}</body></html>".encode()


def _scrapy_links(response: TextResponse) -> list[str] | type[Exception]:
    try:
        return [link.url for link in _SCRAPY.extract_links(response)]
    except ValueError as error:
        return type(error)


def _our_links(response: TextResponse) -> list[str] | type[Exception]:
    try:
        return page_links(response)
    except ValueError as error:
        return type(error)


def test_page_links_match_scrapys_on_odd_hrefs_across_pages_of_one_site() -> None:
    """The same hrefs on pages of different paths, bases and encodings: what is remembered from
    one page must be right on the next."""
    links._resolved_from_origins.cache_clear()
    rng = random.Random(12)
    for _ in range(600):
        hrefs = _hrefs(rng, 8)
        for url in rng.sample(_PAGES, 3):
            body = _page(hrefs, rng.choice(_BASES))
            encoding = rng.choice(["utf-8", "latin-1", "cp1251"])
            ours = _our_links(HtmlResponse(url, body=body, encoding=encoding))
            assert ours == _scrapy_links(HtmlResponse(url, body=body, encoding=encoding)), hrefs
    assert links._resolved_from_origins.cache_info().hits > 1000


@pytest.mark.parametrize("page", sorted(SITES.rglob("*.html")), ids=lambda p: p.name)
def test_page_links_match_scrapys_on_the_bundled_sites(page: Path) -> None:
    body = page.read_bytes()
    url = f"http://127.0.0.2/{page.relative_to(SITES).as_posix()}"
    ours = page_links(HtmlResponse(url, body=body))
    assert ours == _scrapy_links(HtmlResponse(url, body=body))


def test_a_link_is_listed_once_where_it_first_appears_however_it_is_spelled() -> None:
    body = _page(["/b", "a", " /a ", "http://h.test/a", "/b#x", "/b"], None)
    assert page_links(HtmlResponse("http://h.test/", body=body)) == [
        "http://h.test/b",
        "http://h.test/a",
        "http://h.test/b#x",
    ]


def test_links_are_read_from_a_and_area_elements_only() -> None:
    body = (
        b'<html><head><link rel="next" href="/next"></head><body><A HREF="/upper">u</A>'
        b'<map><area href="/map-area"></map><img href="/img"><div href="/div">d</div>'
        b"<a name=top>no href</a></body></html>"
    )
    url = "http://h.test/page"
    expected = ["http://h.test/upper", "http://h.test/map-area"]
    assert page_links(HtmlResponse(url, body=body)) == expected
    assert _scrapy_links(HtmlResponse(url, body=body)) == expected


def _cleaned(response: Response, raw: str, clean: LinkCleaner) -> tuple[object, object]:
    outcomes: list[object] = []
    for step in (lambda: clean_url(response.urljoin(raw)), lambda: clean(raw)):
        try:
            outcomes.append(step())
        except (BadUrl, ValueError) as error:
            outcomes.append(type(error))
    return outcomes[0], outcomes[1]


def test_link_cleaner_matches_clean_url_of_the_joined_link() -> None:
    """For pages, feeds and sitemaps (a plain response has no base element), with odd links."""
    links._clean_remembered.cache_clear()
    rng = random.Random(5)
    kinds: list[type[Response]] = [HtmlResponse, XmlResponse, Response]
    for _ in range(800):
        raws = _hrefs(rng, 6)
        for url in rng.sample(_PAGES, 2):
            base = rng.choice(_BASES)
            head = f'<html><head><base href="{escape(base)}"></head></html>' if base else ""
            response = rng.choice(kinds)(url, body=head.encode())
            clean = LinkCleaner(response)
            for raw in raws:
                expected, ours = _cleaned(response, raw, clean)
                assert ours == expected, (url, base, raw)
    assert links._clean_remembered.cache_info().hits > 1000
