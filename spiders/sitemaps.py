"""Sitemaps, sitemap indexes and Google News sitemaps: bytes in, dated entries out."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from spiders.documents import local_name, parse_xml
from spiders.entries import Entry, Listing, parse_date


def parse_sitemap(body: bytes, base_url: str) -> Listing:
    """The pages of a ``urlset`` or the sitemaps of a ``sitemapindex``.

    A page's date is its ``news:publication_date`` when it has one, else its ``lastmod``.
    """
    root, damaged = parse_xml(body)
    kind = local_name(root) if root is not None else ""
    if root is None or kind not in {"urlset", "sitemapindex"}:
        return Listing("urlset", (), malformed=True)
    child = "url" if kind == "urlset" else "sitemap"
    entries: list[Entry] = []
    for element in root:
        if local_name(element) != child:
            continue
        loc = _text_of(element, "loc")
        if loc:
            entries.append(Entry(urljoin(base_url, loc), _date_of(element)))
    return Listing(kind, tuple(entries), malformed=damaged)


def _text_of(element: etree._Element, name: str) -> str | None:
    for child in element:
        if local_name(child) == name and child.text and child.text.strip():
            return str(child.text).strip()
    return None


def _date_of(element: etree._Element) -> datetime | None:
    lastmod: str | None = None
    for child in element.iter():
        name = local_name(child)
        if name == "publication_date" and (published := parse_date(child.text)) is not None:
            return published
        if name == "lastmod" and lastmod is None:
            lastmod = child.text
    return parse_date(lastmod)
