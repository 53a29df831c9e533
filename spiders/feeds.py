"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: bytes in, dated entries out."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from spiders.documents import local_name, parse_xml
from spiders.entries import Entry, Listing, parse_date

_DATE_FIELDS = ("published", "pubdate", "date", "issued", "created", "updated", "modified")


def parse_feed(body: bytes, base_url: str) -> Listing:
    """The entries of an RSS or Atom feed; ``malformed`` when the XML or its shape is broken."""
    root, damaged = parse_xml(body)
    if root is None or local_name(root) not in {"rss", "feed", "rdf"}:
        return Listing("feed", (), malformed=True)
    entries: list[Entry] = []
    for item in root.iter():
        if local_name(item) in {"item", "entry"} and (link := _item_link(item)):
            entries.append(Entry(urljoin(base_url, link), _item_date(item)))
    return Listing("feed", tuple(entries), malformed=damaged)


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
            if child.text and child.text.strip():
                return str(child.text).strip()
        elif name == "guid" and child.get("isPermaLink", "true") == "true" and child.text:
            fallback = fallback or child.text.strip()
    about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    return fallback or (about.strip() if about else None)


def _item_date(item: etree._Element) -> datetime | None:
    found: dict[str, str] = {}
    for child in item:
        name = local_name(child)
        if name in _DATE_FIELDS and child.text and name not in found:
            found[name] = child.text
    for name in _DATE_FIELDS:
        if name in found and (parsed := parse_date(found[name])) is not None:
            return parsed
    return None
