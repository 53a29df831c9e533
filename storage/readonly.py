"""Open the SQLite archive for reading only: queries, exports and replay never change it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from storage.errors import DatabaseError
from storage.selection import EVERYTHING, Selection, add_functions

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
        add_functions(self.conn)  # what a selection of captures by site reads

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

    def articles(self, selection: Selection = EVERYTHING) -> Iterator[dict[str, Any]]:
        """Stored articles, oldest first, ``author`` as a list; only those ``selection`` keeps."""
        where, params = selection.article_where()
        sql = f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles WHERE {where} ORDER BY id"
        for row in self.conn.execute(sql, params):
            article = dict(row)
            article["author"] = json_list(article["author"])
            yield article

    def article_images(self, article_id: int) -> list[dict[str, Any]]:
        """The article's body images in order: src, alt, caption, credit, width, height, and
        the WARC file and date of the image's own capture when the crawl fetched it."""
        if not hasattr(self, "_has_images"):
            self._has_images = "article_images" in self.tables()  # schema 7 and later
        if not self._has_images:
            return []
        sql = (
            "SELECT i.src, i.alt, i.caption, i.credit, i.width, i.height,"
            " c.fetched_at AS captured_at, c.warc_filename FROM article_images i"
            " LEFT JOIN captures c ON c.id = i.capture_id WHERE i.article_id = ?"
            " ORDER BY i.position"
        )
        return [dict(row) for row in self.conn.execute(sql, [article_id])]

    def article_captures(self, selection: Selection = EVERYTHING) -> Iterator[dict[str, Any]]:
        """Each article ``selection`` keeps, with the WARC file and date of the response it was
        extracted from."""
        where, params = selection.article_where("a.")
        sql = (
            "SELECT a.id, a.url, a.title, a.text, c.fetched_at, c.warc_filename"
            f" FROM articles a JOIN captures c ON c.id = a.capture_id WHERE {where} ORDER BY a.id"
        )
        for row in self.conn.execute(sql, params):
            yield dict(row)

    def warc_names(self, selection: Selection) -> set[str]:
        """The WARC files holding a capture ``selection`` keeps, the capture of an article it
        keeps, or the record such a capture's revisit refers to."""
        captures, capture_params = selection.capture_where()
        articles, article_params = selection.article_where()
        sql = (
            f"WITH kept(id) AS (SELECT id FROM captures WHERE {captures}"
            f" UNION SELECT capture_id FROM articles WHERE {articles})"
            " SELECT DISTINCT c.warc_filename FROM captures c"
            " WHERE c.id IN (SELECT id FROM kept)"
            " OR c.id IN (SELECT refers_to FROM captures WHERE id IN (SELECT id FROM kept))"
        )
        return {str(row[0]) for row in self.conn.execute(sql, capture_params + article_params)}


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
