"""What the reader pages read from the archive: one function per page, plain SQL, read-only."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.readonly import json_list
from storage.versions import ArticleVersion

# Publication day, or fetch day when undated: the order of the home page (indexed by this
# very expression since schema version 4, so the newest page is read off the index).
DAY = "coalesce(published, substr(fetched_at, 1, 10))"
PER_PAGE = 20
LEAD_CHARS = 600  # enough of the text for the first lines of a listing


@dataclass(frozen=True, slots=True)
class Filters:
    """What the home page lists: every filter is optional."""

    site: str | None = None
    language: str | None = None
    author: str | None = None
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive
    access: str | None = None  # free, paywalled or metered (articles.access)

    def where(self) -> tuple[str, dict[str, Any]]:
        """The SQL condition and its parameters."""
        clauses = ["1"]
        params: dict[str, Any] = {}
        for name, clause in (
            ("site", "site = :site"),
            ("language", "language = :language"),
            ("author", "EXISTS (SELECT 1 FROM json_each(author) WHERE value = :author)"),
            ("since", f"{DAY} >= :since"),
            ("until", f"{DAY} <= :until"),
            ("access", "access = :access"),
        ):
            value = getattr(self, name)
            if value:
                clauses.append(clause)
                params[name] = value
        return " AND ".join(clauses), params


def latest(
    conn: sqlite3.Connection, filters: Filters, page: int
) -> tuple[list[dict[str, Any]], bool]:
    """One page of articles, newest first; and whether another page follows."""
    where, params = filters.where()
    params.update(limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE, lead=LEAD_CHARS)
    rows = conn.execute(
        f"SELECT id, url, site, title, author, published, language, fetched_at,"
        f" substr(text, 1, :lead) AS text, {DAY} AS day FROM articles WHERE {where}"
        f" ORDER BY {DAY} DESC, id DESC LIMIT :limit OFFSET :offset",
        params,
    ).fetchall()
    found = [_article(row) for row in rows[:PER_PAGE]]
    return found, len(rows) > PER_PAGE


def choices(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The sites and languages the filters offer, most articles first."""
    sites = conn.execute(
        "SELECT site FROM articles GROUP BY site ORDER BY count(*) DESC, site"
    ).fetchall()
    languages = conn.execute(
        "SELECT language FROM articles WHERE language IS NOT NULL"
        " GROUP BY language ORDER BY count(*) DESC, language"
    ).fetchall()
    return {"sites": [row[0] for row in sites], "languages": [row[0] for row in languages]}


def article(
    conn: sqlite3.Connection, article_id: int | None = None, url: str | None = None
) -> dict[str, Any] | None:
    """One article with the capture it was extracted from, by id or by URL."""
    column, value = ("a.id", article_id) if article_id is not None else ("a.url", url)
    row = conn.execute(
        "SELECT a.id, a.url, a.site, a.title, a.author, a.published, a.language, a.description,"
        " a.access, a.text, a.extracted, a.fetched_at, a.updated_at, a.capture_id,"
        " c.fetched_at AS captured_at, c.url AS captured_url, c.warc_filename"
        f" FROM articles a LEFT JOIN captures c ON c.id = a.capture_id WHERE {column} = ?",
        [value],
    ).fetchone()
    return _article(row) if row else None


def versions(conn: sqlite3.Connection, article_id: int) -> list[ArticleVersion]:
    """The article's versions, oldest first."""
    rows = conn.execute(
        "SELECT version, fetched_at, title, text, capture_id FROM article_versions"
        " WHERE article_id = ? ORDER BY version",
        [article_id],
    ).fetchall()
    return [ArticleVersion(*row) for row in rows]


def images(conn: sqlite3.Connection, article_id: int) -> list[dict[str, Any]]:
    """The article's body images in order, with the fetch time of each one's capture."""
    try:
        rows = conn.execute(
            "SELECT i.position, i.src, i.alt, i.caption, i.credit, i.width, i.height,"
            " c.fetched_at AS captured_at FROM article_images i"
            " LEFT JOIN captures c ON c.id = i.capture_id WHERE i.article_id = ?"
            " ORDER BY i.position",
            [article_id],
        ).fetchall()
    except sqlite3.OperationalError:  # an archive from before schema version 7
        return []
    return [dict(row) for row in rows]


def site_block_pages(
    conn: sqlite3.Connection, site: str, fingerprints: list[int]
) -> dict[int, int]:
    """How many of the site's pages carry each of these blocks (those it has counted)."""
    if not fingerprints:
        return {}
    marks = ", ".join("?" for _ in fingerprints)
    rows = conn.execute(
        f"SELECT fingerprint, pages FROM site_blocks WHERE site = ? AND fingerprint IN ({marks})",
        [site, *fingerprints],
    ).fetchall()
    return {int(row[0]): int(row[1]) for row in rows}


def warc_record(conn: sqlite3.Connection, article_id: int) -> tuple[str, int, int] | None:
    """File, offset and length of the WARC record the article was extracted from."""
    row = conn.execute(
        "SELECT c.warc_filename, c.warc_offset, c.warc_length FROM articles a"
        " JOIN captures c ON c.id = a.capture_id WHERE a.id = ?",
        [article_id],
    ).fetchone()
    return (str(row[0]), int(row[1]), int(row[2])) if row else None


def _article(row: sqlite3.Row) -> dict[str, Any]:
    found = dict(row)
    found["author"] = json_list(found.get("author"))
    return found
