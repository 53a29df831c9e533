"""What feeds and sitemaps list: URLs with the date each was published or last changed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL listed by a feed or sitemap, with its date when the document gives one."""

    url: str
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """A parsed feed or sitemap: its kind, its entries, and whether the XML was damaged."""

    kind: str  # "feed", "urlset" or "sitemapindex"
    entries: tuple[Entry, ...]
    malformed: bool = False


def parse_date(text: str | None) -> datetime | None:
    """A feed or sitemap date (RFC 822, W3C/ISO 8601, or a bare year-month) as aware UTC."""
    value = (text or "").strip()
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        match = _YEAR_MONTH.match(value)
        if match:
            parsed = datetime(int(match.group(1)), int(match.group(2) or 1), 1)
        else:
            try:
                parsed = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def published_before(entry: Entry, since: date | None) -> bool:
    """Whether ``entry`` is dated before ``since``; undated entries are never skipped."""
    if since is None or entry.published is None:
        return False
    return entry.published.date() < since
