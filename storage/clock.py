"""The archive's one clock and one date format: UTC, to the second, as ``2026-11-27T19:00:00Z``.

WARC records keep their own, finer ``WARC-Date`` (microseconds), stamped by the WARC writer.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, in UTC, to the second (the precision times are stored with)."""
    return datetime.now(UTC).replace(microsecond=0)


def to_iso(instant: datetime) -> str:
    """``2026-11-27T19:00:00Z``: the archive's date format."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(text: str) -> datetime:
    """An aware UTC datetime from the archive's ISO text."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now_iso() -> str:
    """Now, as the archive writes it."""
    return to_iso(utc_now())
