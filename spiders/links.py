"""A page's links, as Scrapy's ``LinkExtractor(unique=True, deny_extensions=[])`` finds them.

Scrapy's extractor resolves every ``href`` anew: it strips it, joins it to the page's base URL,
makes it a safe URL, joins it to the page's URL again, and reads each link's text, which the
crawl never uses. A news page repeats most of its links on every page of its site (navigation,
sections, the most-read list), so what an ``href`` becomes is remembered when it depends only on
the scheme and netloc (host, port, user) of the page and its base, never on their paths: a path
from the root, or a netloc after ``//``. Every other ``href`` is resolved per page, as Scrapy
does. The same goes for the clean URL the spider requests for each link. Tests hold both to
Scrapy's result.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from urllib.parse import urljoin, urlsplit

from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

from archiver.extraction.urls import clean_url

_LINK_SCHEMES = frozenset({"http", "https", "file", "ftp"})  # Scrapy's ``_is_valid_url``
# A link whose resolution reads no more of the base than its scheme and netloc: a path from the
# root, or a netloc after "//" (with or without a scheme). Tabs and line breaks, which URL parsing
# deletes wherever they are, could make "/\t/" an empty "//": such links are resolved in full, as
# are those starting with a space or a control character, which URL parsing strips.
_ORIGIN_ONLY = re.compile(r"(?:(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#\t\r\n]|/(?!/))[^\t\r\n]*\Z")
_LONGEST_REMEMBERED = 512  # characters; longer links are rare, and would crowd the tables
_REMEMBERED = 1 << 14  # entries of each table: a few MB at most


def page_links(response: HtmlResponse) -> list[str]:
    """The page's ``<a>`` and ``<area>`` link URLs, in order of first appearance, each once."""
    base = get_base_url(response)
    page, encoding = response.url, response.encoding
    base_origin, page_origin = _origin(base), _origin(page)
    remember = _web_origin(base_origin) and _web_origin(page_origin)
    urls: dict[str, None] = {}
    for href in _hrefs(response):
        stripped = strip_html5_whitespace(href)
        known, url = False, None
        if remember and _rememberable(stripped):
            known, url = _resolved_from_origins(stripped, base_origin, page_origin, encoding)
        if not known:
            url = _resolved(stripped, base, page, encoding)
        if url is not None:
            urls[url] = None
    return list(urls)


class LinkCleaner:
    """``clean_url(response.urljoin(link))`` for the links of one response; raises as it does."""

    def __init__(self, response: Response) -> None:
        self._response = response

    @cached_property
    def _base(self) -> tuple[str, tuple[str, str] | None]:
        """The base URL links are joined to, and its scheme and netloc if a join may be
        remembered."""
        response = self._response
        base = get_base_url(response) if isinstance(response, TextResponse) else response.url
        origin = _origin(base)
        return base, origin if _web_origin(origin) else None

    def __call__(self, link: str) -> str:
        base, origin = self._base
        if origin is not None and _rememberable(link):
            return _clean_remembered(link, origin)
        return clean_url(urljoin(base, link))


@lru_cache(maxsize=_REMEMBERED)
def _clean_remembered(link: str, origin: tuple[str, str]) -> str:
    """``clean_url`` of a link joined to the root of ``origin``, remembered."""
    return clean_url(urljoin(f"{origin[0]}://{origin[1]}/", link))


def _origin(url: str) -> tuple[str, str]:
    """The URL's scheme and netloc; empty for a URL that cannot be parsed."""
    try:
        return urlsplit(url)[:2]
    except ValueError:
        return ("", "")


def _web_origin(origin: tuple[str, str]) -> bool:
    """Whether a URL of this scheme and netloc can be rebuilt from them alone for joining."""
    scheme, netloc = origin
    return scheme in ("http", "https") and bool(netloc)


def _rememberable(link: str) -> bool:
    """Whether what ``link`` resolves to may be remembered by origin (see ``_ORIGIN_ONLY``)."""
    return len(link) <= _LONGEST_REMEMBERED and _ORIGIN_ONLY.match(link) is not None


def _hrefs(response: HtmlResponse) -> dict[str, None]:
    """Each distinct ``href`` of the page's links, in document order.

    The HTML parser keeps no namespaces, so ``a`` and ``area`` are every element Scrapy reads.
    """
    hrefs: dict[str, None] = {}
    for element in response.selector.root.iter("a", "area"):
        href = element.get("href")
        if href is not None:
            hrefs[href] = None
    return hrefs


@lru_cache(maxsize=_REMEMBERED)
def _resolved_from_origins(
    href: str, base_origin: tuple[str, str], page_origin: tuple[str, str], encoding: str
) -> tuple[bool, str | None]:
    """``_resolved`` against the roots of the base and the page, remembered: (True, its
    result), or (False, None) when the safe URL made of ``href`` needs the page's path too."""
    safe = _safe(href, f"{base_origin[0]}://{base_origin[1]}/", encoding)
    if safe is None:
        return True, None
    if not _ORIGIN_ONLY.match(safe):
        return False, None
    return True, _linked(safe, f"{page_origin[0]}://{page_origin[1]}/")


def _resolved(href: str, base: str, page: str, encoding: str) -> str | None:
    """The link's URL, as Scrapy makes it; None where Scrapy skips the link."""
    safe = _safe(href, base, encoding)
    return None if safe is None else _linked(safe, page)


def _safe(href: str, base: str, encoding: str) -> str | None:
    """The href joined to the base and made a safe URL; None for a bogus one, which is skipped."""
    try:
        return safe_url_string(urljoin(base, href), encoding=encoding)
    except ValueError:
        return None


def _linked(safe: str, page: str) -> str | None:
    """The safe URL joined to the page's, if its scheme is one Scrapy keeps links of."""
    url = urljoin(page, safe)
    return url if url.split("://", 1)[0] in _LINK_SCHEMES else None
