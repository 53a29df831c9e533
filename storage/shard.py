"""One node's SQLite shard, opened read-only for a merge: checked first, named by its content."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.errors import ArchiveError
from storage.readonly import ArchiveReader
from storage.schema import MIGRATIONS

ARCHIVE_TABLES = frozenset({"crawls", "captures", "articles", "article_versions"})
# The schema version that added article_versions; later versions add no column a merge reads.
OLDEST_MERGEABLE = 3


class MergeError(ArchiveError):
    """A shard cannot be merged: missing, not an archive, of another schema, or clashing."""


class Shard(ArchiveReader):
    """A read-only connection to one shard, its schema checked, read as one snapshot."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, open_shard(path))

    def snapshot(self) -> None:
        """Start the read transaction every later read sees: a crawl may still write the shard."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
            self.conn.execute("SELECT count(*) FROM captures").fetchone()

    def identity(self) -> str | None:
        """What names this shard wherever its file lies: the WARC-Record-ID of its first capture
        (unique to the node that wrote it), else its first crawl; None when it holds nothing."""
        first = self.conn.execute(
            "SELECT warc_record_id, warc_filename, warc_offset FROM captures ORDER BY id LIMIT 1"
        ).fetchone()
        if first is not None:
            return str(first[0] or f"{first[1]}@{first[2]}")
        crawl = self.conn.execute(
            "SELECT started, seeds FROM crawls ORDER BY id LIMIT 1"
        ).fetchone()
        return f"crawl {crawl[0]} {crawl[1]}" if crawl is not None else None


def open_shard(path: Path) -> sqlite3.Connection:
    """A read-only connection to the shard at ``path``; a :class:`MergeError` saying why not."""
    if not path.exists():
        raise MergeError(f"no shard at {path}")
    if not path.is_file():
        raise MergeError(f"{path} is not a file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise MergeError(f"cannot open shard {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    try:
        _check_schema(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise MergeError(f"{path} is not a news-archiver archive ({exc})") from exc
    current = len(MIGRATIONS)
    if version > current:
        raise MergeError(
            f"{path} has archive schema version {version}, newer than this archiver's"
            f" {current}: upgrade the archiver before merging it"
        )
    if "articles" not in tables or "captures" not in tables:
        raise MergeError(f"{path} is not a news-archiver archive (no articles table)")
    if version < OLDEST_MERGEABLE or not tables >= ARCHIVE_TABLES:
        raise MergeError(
            f"{path} has archive schema version {version}, older than {OLDEST_MERGEABLE}:"
            f" open it once with this archiver to migrate it"
            f" (e.g. `archiver boilerplate --db {path}`)"
        )
