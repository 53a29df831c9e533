"""An article's metadata from what the page declares, read cheaply before any text search.

trafilatura's own metadata pass also hunts for bylines and dates in the page text and collects
categories, tags and licences: about 10 ms a page, more than the rest of extraction together. The
archive keeps what a news page declares (meta tags, OpenGraph, JSON-LD, ``<time>``, the URL) and
a short byline search, which on news sites gives the same title, author and date.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)

# A byline: an element that says it holds the author, read only if its text is short.
_BYLINE = ".//*[@rel='author' or @itemprop='author' or contains(@class, 'byline')][1]"
# Names under which pages declare when an article was first published (not modified).
_PUBLISHED_META = frozenset(
    {
        "article:published_time",
        "og:published_time",
        "datepublished",
        "date",
        "pubdate",
        "publishdate",
        "publish-date",
        "dc.date.issued",
        "dcterms.issued",
        "sailthru.date",
        "parsely-pub-date",
    }
)
_JSON_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/-](\d{2})[/-](\d{2})(?:/|[-_]|\.html?|$)")
_EARLIEST = "1995-01-01"  # htmldate's lower bound for web publication dates
_BY = re.compile(r"^(by|von|par|por|de|di|от|автор:?)\s+", re.I)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """What a page declares about its article."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    description: str | None = None
    sitename: str | None = None
    url: str | None = None
    page_type: str | None = None


def read_metadata(tree: HtmlElement, url: str) -> PageMetadata:
    """Title, author, date, description, site name, canonical URL and declared type."""
    found = examine_meta(tree)
    if found.author and " " not in found.author:  # a handle or a single word: not a name
        found.author = None
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader fails on odd documents
        found = extract_meta_json(tree, found)
    today = date.today().isoformat()
    published = (
        _declared_date(tree, today)
        or _url_date(url, today)
        or find_date(tree, url=url, extensive_search=False, original_date=True, max_date=today)
    )
    return PageMetadata(
        title=found.title or extract_title(tree),
        author=found.author or _byline(tree),
        published=published or None,
        description=found.description,
        sitename=(found.sitename or extract_sitename(tree) or "").lstrip("@") or None,
        url=found.url or extract_url(tree, url),
        page_type=found.pagetype,
    )


def _declared_date(tree: HtmlElement, today: str) -> str | None:
    """The publication date a ``<meta>`` tag or JSON-LD ``datePublished`` in the head declares."""
    for element in tree.iterfind(".//head/meta[@content]"):
        name = element.get("property") or element.get("name") or element.get("itemprop") or ""
        if name.lower() in _PUBLISHED_META:
            day = _iso_day(element.get("content", ""), today)
            if day:
                return day
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        match = _JSON_PUBLISHED.search(script.text or "")
        if match:
            day = _iso_day(match.group(1), today)
            if day:
                return day
    return None


def _url_date(url: str, today: str) -> str | None:
    """A full date in the URL's path (``/2026/11/27/``), as news sites print them."""
    match = _URL_DAY.search(url)
    if not match:
        return None
    return _iso_day("-".join(match.groups()), today)


def _iso_day(value: str, today: str) -> str | None:
    """``YYYY-MM-DD`` from an ISO date or timestamp, if it is a plausible publication day."""
    match = _ISO_DAY.match(value.strip())
    if not match:
        return None
    day = match.group(0)
    try:
        date.fromisoformat(day)
    except ValueError:
        return None
    return day if _EARLIEST <= day <= today else None


def _byline(tree: HtmlElement) -> str | None:
    """The text of the first element marked as the byline, if it is short enough to be names."""
    for element in tree.xpath(_BYLINE):
        text = _BY.sub("", _SPACE.sub(" ", element.text_content()).strip())
        if 3 <= len(text) <= 80 and not any(ch.isdigit() for ch in text):
            return text
    return None
