"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: bytes in, dated entries out."""

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

_DATE_FIELDS = ("published", "pubdate", "date", "issued", "created", "updated", "modified")
# The fields that say when an item was first published (the others say when it last changed).
_PUBLISHED_FIELDS = frozenset(_DATE_FIELDS[:5])


def parse_feed(body: bytes, base_url: str) -> Listing:
    """The entries of an RSS or Atom feed; ``malformed`` when the XML or its shape is broken.

    An item whose link cannot be crawled is left out and an unreadable date dropped, each
    noted in ``bad``.
    """
    root, damaged = parse_xml(body)
    if root is None or local_name(root) not in {"rss", "feed", "rdf"}:
        return Listing("feed", (), malformed=True)
    entries: list[Entry] = []
    bad: list[str] = []
    for item in root.iter():
        if local_name(item) not in {"item", "entry"}:
            continue
        try:
            link = _item_link(item)
            if not link:
                continue
            url = entry_url(base_url, link)
        except (BadEntry, UnicodeError):
            bad.append(BAD_URL)
            continue
        published, dated, day = _item_date(item)
        if dated and published is None:
            bad.append(BAD_DATE)
        entries.append(Entry(url, published, day))
    return Listing("feed", tuple(entries), malformed=damaged, bad=tuple(bad))


def _item_link(item: etree._Element) -> str | None:
    fallback: str | None = None
    for child in item:
        name = local_name(child)
        if name == "link":
            href = child.get("href")
            if href is not None:  # Atom: prefer rel="alternate" (the default when rel is absent)
                if child.get("rel", "alternate") == "alternate":
                    return str(href).strip()
                continue
            if text := element_text(child):
                return text
        elif name == "guid" and child.get("isPermaLink", "true") == "true":
            fallback = fallback or element_text(child)
    about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    return fallback or (about.strip() if about else None)


def _item_date(item: etree._Element) -> tuple[datetime | None, bool, str | None]:
    """The item's date, whether it gave one at all (readable or not), and its publication day
    when that date says when the item was published."""
    found: dict[str, str] = {}
    for child in item:
        name = local_name(child)
        if name in _DATE_FIELDS and name not in found:
            try:
                text = element_text(child)
            except UnicodeError:
                text = "\ufffd"
            if text:
                found[name] = text
    for name in _DATE_FIELDS:
        if name in found and (parsed := parse_date(found[name])) is not None:
            day = publication_day(found[name]) if name in _PUBLISHED_FIELDS else None
            return parsed, True, day
    return None, bool(found), None
