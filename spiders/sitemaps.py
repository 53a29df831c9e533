"""Sitemaps, sitemap indexes and Google News sitemaps: bytes in, dated entries out."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from spiders.documents import local_name, parse_xml
from spiders.entries import (
    BAD_DATE,
    BAD_URL,
    BadEntry,
    Entry,
    Listing,
    element_text,
    entry_url,
    parse_date,
    publication_day,
)


def parse_sitemap(body: bytes, base_url: str) -> Listing:
    """The pages of a ``urlset`` or the sitemaps of a ``sitemapindex``.

    A page's date is its ``news:publication_date`` when it has one, else its ``lastmod``. An
    entry whose URL cannot be crawled is left out and an unreadable date is dropped; ``bad``
    says which, so that one bad entry costs only itself.
    """
    root, damaged = parse_xml(body)
    kind = local_name(root) if root is not None else ""
    if root is None or kind not in {"urlset", "sitemapindex"}:
        return Listing("urlset", (), malformed=True)
    child = "url" if kind == "urlset" else "sitemap"
    entries: list[Entry] = []
    bad: list[str] = []
    for element in root:
        if local_name(element) != child:
            continue
        try:
            loc = _text_of(element, "loc")
            if not loc:
                continue
            url = entry_url(base_url, loc)
        except (BadEntry, UnicodeError):
            bad.append(BAD_URL)
            continue
        published, dated, day = _date_of(element)
        if dated and published is None:
            bad.append(BAD_DATE)
        entries.append(Entry(url, published, day))
    return Listing(kind, tuple(entries), malformed=damaged, bad=tuple(bad))


def _text_of(element: etree._Element, name: str) -> str | None:
    for child in element:
        if local_name(child) == name and (text := element_text(child)):
            return text
    return None


def _date_of(element: etree._Element) -> tuple[datetime | None, bool, str | None]:
    """The entry's date, whether it gave one at all (readable or not), and its publication day
    when that date is a news sitemap's ``publication_date`` (a ``lastmod`` is no such day)."""
    dates: list[str] = []
    publication: str | None = None
    for child in element.iter():
        name = local_name(child)
        if name in {"publication_date", "lastmod"}:
            try:
                text = element_text(child)
            except UnicodeError:
                text = "\ufffd"
            if text and name == "lastmod":
                dates.append(text)
            elif text:
                dates.insert(0, text)
                publication = text
    for text in dates:
        if (parsed := parse_date(text)) is not None:
            day = publication_day(text) if text is publication else None
            return parsed, True, day
    return None, bool(dates), None
