"""Open the SQLite archive for reading only: queries, exports and replay never change it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from storage.errors import DatabaseError

MMAP_BYTES = 1 << 31  # SQLite maps at most its SQLITE_MAX_MMAP_SIZE, 2 GB by default

# Columns of ``articles`` worth handing to readers; the cleaning internals stay behind.
ARTICLE_COLUMNS = (
    "id",
    "url",
    "site",
    "title",
    "author",
    "published",
    "language",
    "description",
    "text",
    "fetched_at",
    "updated_at",
)


class ArchiveReader:
    """A read-only connection to an existing archive."""

    def __init__(self, path: Path, conn: sqlite3.Connection | None = None) -> None:
        self.path = path
        self.conn = conn if conn is not None else connect_readonly(path)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def tables(self) -> list[str]:
        """Names of the tables in the archive."""
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        return [str(row[0]) for row in rows]

    def articles(self, site: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored articles, oldest first, ``author`` as a list; optionally of one site."""
        sql = f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles"
        sql += " WHERE site = ? ORDER BY id" if site else " ORDER BY id"
        for row in self.conn.execute(sql, [site] if site else []):
            article = dict(row)
            article["author"] = json_list(article["author"])
            yield article

    def article_captures(self) -> Iterator[dict[str, Any]]:
        """Each article with the WARC file and date of the response it was extracted from."""
        sql = (
            "SELECT a.id, a.url, a.title, a.text, c.fetched_at, c.warc_filename"
            " FROM articles a JOIN captures c ON c.id = a.capture_id ORDER BY a.id"
        )
        for row in self.conn.execute(sql):
            yield dict(row)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to the archive at ``path``; rows are :class:`sqlite3.Row`."""
    if not path.is_file():
        raise DatabaseError(f"no archive at {path} (crawl into it first: archiver crawl --db)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        # Read pages in place instead of copying each into SQLite's 2 MB cache: a search joins a
        # row per match, and over 100k articles this halved its time. Capped by SQLite (2 GB).
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    if not {"articles", "articles_fts", "captures"} <= tables:
        conn.close()
        raise DatabaseError(f"{path} is not a news-archiver archive (no articles table)")
    return conn


def json_list(value: str | None) -> list[str]:
    """A JSON array column as a list of strings (empty when NULL or not an array)."""
    try:
        data = json.loads(value) if value else []
    except ValueError:
        return [value] if value else []
    return [str(item) for item in data] if isinstance(data, list) else [str(data)]
