"""What an export covers: articles by day and site, captures by fetch day and host."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from urllib.parse import urlsplit

# An article's day, as search and the reader's listings read it: the date it declares, else the
# day it was fetched (the expression of the ``articles_day`` index, so a range uses it).
ARTICLE_DAY = "coalesce(published, substr(fetched_at, 1, 10))"
CAPTURE_DAY = "substr(fetched_at, 1, 10)"
URL_SITE = "archiver_url_site"  # the SQL function a capture's site is read with


@dataclass(frozen=True, slots=True)
class Selection:
    """Articles whose day falls in [since, until] and whose site is ``site``; captures whose
    fetch day falls in the range and whose URL is on that host. ``None`` leaves a bound open."""

    since: str | None = None  # ISO date (YYYY-MM-DD), inclusive
    until: str | None = None  # ISO date, inclusive
    site: str | None = None  # host as in articles.site (lower case, with a port if any)

    @property
    def everything(self) -> bool:
        """True when no filter is set."""
        return self.since is None and self.until is None and self.site is None

    def article_where(self, prefix: str = "") -> tuple[str, list[str]]:
        """The SQL condition (``1`` when none) and its parameters over ``articles``."""
        day = ARTICLE_DAY.replace("published", prefix + "published").replace(
            "fetched_at", prefix + "fetched_at"
        )
        return self._where(day, f"{prefix}site = ?")

    def capture_where(self) -> tuple[str, list[str]]:
        """The SQL condition and its parameters over ``captures`` (needs :func:`add_functions`)."""
        return self._where(CAPTURE_DAY, f"{URL_SITE}(url) = ?")

    def describe(self) -> str:
        """The filters in words, for a report: ``site example.org, 2026-11-01 to 2026-11-30``."""
        parts = [f"site {self.site}"] if self.site else []
        if self.since or self.until:
            parts.append(f"{self.since or 'the start'} to {self.until or 'now'}")
        return ", ".join(parts) or "everything"

    def _where(self, day: str, site: str) -> tuple[str, list[str]]:
        clauses, params = [], []
        for value, clause in (
            (self.since, f"{day} >= ?"),
            (self.until, f"{day} <= ?"),
            (self.site, site),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        return " AND ".join(clauses) or "1", params


EVERYTHING = Selection()


def url_site(url: str | None) -> str | None:
    """A URL's site as articles.site holds it: the lower-cased host, with its port."""
    return urlsplit(url).netloc.lower() if url else None


def add_functions(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the SQL function :meth:`Selection.capture_where` uses."""
    conn.create_function(URL_SITE, 1, url_site, deterministic=True)
