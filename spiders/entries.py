"""What feeds and sitemaps list: URLs with the date each was published or last changed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from archiver.extraction.urls import clean_url, is_crawlable

_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL listed by a feed or sitemap, with its date when the document gives one."""

    url: str
    published: datetime | None = None
    # The day it was first published, as the document wrote it (its own time zone), when the
    # date is a publication date: a feed item's published/pubDate, a news sitemap's
    # publication_date; not a lastmod or an updated date. Derived from ``published``'s text, so
    # left out of comparisons.
    day: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Listing:
    """A parsed feed or sitemap: its kind, its entries, and whether the XML was damaged."""

    kind: str  # "feed", "urlset" or "sitemapindex"
    entries: tuple[Entry, ...]
    malformed: bool = False
    # What was wrong with each bad entry ("bad URL" skips the entry, "bad date" only its date).
    bad: tuple[str, ...] = ()


BAD_URL = "bad URL"
BAD_DATE = "bad date"


class BadEntry(ValueError):
    """A feed or sitemap entry whose URL cannot be crawled."""


def element_text(element: etree._Element) -> str | None:
    """The element's stripped text, None when blank; ``UnicodeError`` for characters XML forbids.

    lxml keeps a character reference to a surrogate (``&#xD800;``) and fails when it is read.
    """
    text = element.text
    return str(text).strip() or None if text is not None else None


def entry_url(base_url: str, link: str) -> str:
    """The entry's link resolved against the document and cleaned; ``BadEntry`` when no request
    could be made for it (bad port, broken IPv6 literal, lone surrogate, a scheme other than
    http and https)."""
    try:
        url = clean_url(urljoin(base_url, link))
    except ValueError as exc:
        raise BadEntry(str(exc)) from exc
    if not is_crawlable(url):
        raise BadEntry(f"{link!r} is not an http or https URL")
    return url


def parse_date(text: str | None) -> datetime | None:
    """A feed or sitemap date (RFC 822, W3C/ISO 8601, or a bare year-month) as aware UTC."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        parsed = _parse(value)
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):  # "2024-13", year 0, …
        return None


def publication_day(text: str | None) -> str | None:
    """``YYYY-MM-DD``: the calendar day of a feed or sitemap date in its own time zone."""
    try:
        parsed = _parse((text or "").strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.date().isoformat() if parsed is not None else None


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        match = _YEAR_MONTH.match(value)
        if match:
            return datetime(int(match.group(1)), int(match.group(2) or 1), 1)
        return parsedate_to_datetime(value)


def published_before(entry: Entry, since: date | None) -> bool:
    """Whether ``entry`` is dated before ``since``; undated entries are never skipped."""
    if since is None or entry.published is None:
        return False
    return entry.published.date() < since
