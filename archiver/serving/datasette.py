"""Datasette over the archive: bundled metadata, the replay-link plugin, the command line."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from archiver.serving.columns import COLUMNS
from archiver.serving.foreground import run_server
from storage.search import SearchSyntaxError, fts_query

PLUGINS_DIR = Path(__file__).resolve().parent / "datasette_plugins"
WATCH_SECONDS = 0.5  # how often an immutable server looks for a crawl that opened the archive

TABLES: dict[str, dict[str, Any]] = {
    "articles": {
        "title": "Articles",
        "description": (
            "One row per article URL: cleaned text and metadata (author is a JSON array, dates"
            " are ISO 8601). Search runs over title and text; each URL links to its replay."
        ),
        "fts_table": "articles_fts",
        "fts_pk": "rowid",
        "sort_desc": "published",
        "label_column": "title",
        "facets": [
            "site",
            "language",
            {"array": "author"},
            "page_type",
            "access",
            "published_source",
            {"date": "published"},
        ],
    },
    "captures": {
        "title": "Captures",
        "description": (
            "One row per WARC response record: URL, status, media type, fetch date and where the"
            " record lives (file, offset, length)."
        ),
        "sort_desc": "fetched_at",
        "label_column": "url",
        "facets": ["mime", "status", "kind"],
    },
    "crawls": {
        "title": "Crawls",
        "description": "One row per crawl run, with its counters, error kinds and settings.",
        "sort_desc": "started",
    },
    "site_blocks": {
        "title": "Recurring blocks",
        "description": (
            "Text blocks a site repeats across its article pages, with how many pages carry each;"
            " the site layer strips those on enough pages."
        ),
        "sort_desc": "pages",
        "facets": ["site"],
    },
    "site_block_pages": {
        "title": "Recurring blocks per article",
        "description": "Which article carries which recurring block.",
    },
    "article_bands": {
        "title": "Wire-copy band keys",
        "description": (
            "The index that finds wire copies: each article's MinHash in 16 band keys; articles"
            " sharing one are compared (see articles.cluster_id)."
        ),
    },
    "article_versions": {
        "title": "Article versions",
        "description": (
            "Every version of every article: a new row whenever its clean text or title changed;"
            " articles holds the latest."
        ),
        "fts_table": "article_versions_fts",
        "fts_pk": "rowid",
        "sort_desc": "fetched_at",
        "label_column": "title",
    },
    "schedules": {
        "title": "Schedules",
        "description": "Crawls to run on a schedule (archiver schedule), with their last result.",
    },
}

for _name, _columns in COLUMNS.items():  # every column described, as docs/schema.md does
    if _name in TABLES:
        TABLES[_name]["columns"] = _columns

SEARCH_SQL = """
select a.id, a.published, a.site, a.title,
  replace(snippet(articles_fts, -1, '[', ']', '…', 24), char(10), ' ') as snippet,
  a.url, a.fetched_at
from articles_fts join articles a on a.rowid = articles_fts.rowid
where articles_fts match fts_query(:q)
order by articles_fts.rank
limit 100
""".strip()

QUERIES: dict[str, dict[str, Any]] = {
    "latest_articles": {
        "title": "Latest articles",
        "description": "The 100 most recently published articles (fetch date when undated).",
        "sql": (
            "select id, coalesce(published, substr(fetched_at, 1, 10)) as day, site, title,"
            " author, url, fetched_at from articles order by day desc, id desc limit 100"
        ),
    },
    "articles_per_site_per_day": {
        "title": "Articles per site per day",
        "description": "How many articles each site published each day (fetch date when undated).",
        "sql": (
            "select coalesce(published, substr(fetched_at, 1, 10)) as day, site,"
            " count(*) as articles from articles group by day, site order by day desc, site"
        ),
    },
    "wire_copies": {
        "title": "Wire copies",
        "description": (
            "The biggest clusters of wire copies (one story on several sites), as archiver"
            " clusters lists them: copies, sites, first title, first and last date."
        ),
        "sql": (
            "select cluster_id, count(*) as copies, count(distinct site) as sites,"
            " (select title from articles t where t.id = a.cluster_id) as title,"
            " min(coalesce(published, substr(fetched_at, 1, 10))) as first,"
            " max(coalesce(published, substr(fetched_at, 1, 10))) as last,"
            " group_concat(distinct site) as site_list"
            " from articles a where cluster_id is not null"
            " group by cluster_id order by copies desc, cluster_id limit 100"
        ),
    },
    "search": {
        "title": "Search articles",
        "description": (
            "Full-text search with the syntax of archiver search: words and names as typed"
            ' (O\'Brien), "exact phrases", OR, NOT, prefix*; most relevant first, matches in'
            " the snippet [bracketed]."
        ),
        "sql": SEARCH_SQL,
    },
}


def datasette_metadata(
    database: str,
    replay_url: str,
    tables: Iterable[str] = (),
    warc_dirs: Sequence[Path] = (),
    columns: Mapping[str, Collection[str]] | None = None,
) -> dict[str, Any]:
    """Datasette metadata for the archive served under the name ``database``.

    ``tables`` lists the tables the file holds: any the archiver does not describe here yet
    still gets a title and a pointer to the schema reference. ``columns``, each table's columns,
    drops the facets on columns an archive of an older schema lacks (Datasette would refuse
    the table's page).
    """
    described = {
        name: {
            "title": name.replace("_", " ").capitalize(),
            "description": f"See docs/schema.md for the {name} table.",
        }
        for name in tables
        if not name.startswith("sqlite_") and "_fts" not in name
    }
    described.update(TABLES)
    if columns is not None:
        described = {n: _held_facets(meta, columns.get(n)) for n, meta in described.items()}
    reader = {
        "database": database,
        "replay_url": replay_url,
        "warc_dirs": [str(folder) for folder in warc_dirs],
    }
    return {
        "title": "news-archiver",
        "description": (
            "Articles archived by news-archiver: clean text and metadata extracted from the"
            " WARC captures, which replay in pywb."
        ),
        "databases": {database: {"tables": described, "queries": QUERIES}},
        "plugins": {"replay_links": {"replay_url": replay_url}, "reader": reader},
    }


def _held_facets(meta: dict[str, Any], held: Collection[str] | None) -> dict[str, Any]:
    """``meta`` with only the facets on columns in ``held`` (all of them when it is None)."""
    if held is None or "facets" not in meta:
        return meta
    facets = [
        facet
        for facet in meta["facets"]
        if (facet if isinstance(facet, str) else next(iter(facet.values()))) in held
    ]
    return {**meta, "facets": facets}


def write_metadata(
    folder: Path,
    database: str,
    replay_url: str,
    tables: Iterable[str] = (),
    warc_dirs: Sequence[Path] = (),
    columns: Mapping[str, Collection[str]] | None = None,
) -> Path:
    """Write the metadata file for ``database`` into ``folder``; return its path."""
    path = folder / "metadata.json"
    metadata = datasette_metadata(database, replay_url, tables, warc_dirs, columns)
    text = json.dumps(metadata, indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


# Limits on every connection Datasette opens (plugin connection_limits): a single SQL function
# call runs inside one SQLite instruction, where the time limit cannot stop it, so what one call
# may build is capped instead. zeroblob(400000000) under hex() took 2.8 s and 2 GB without it.
MAX_VALUE_BYTES = 8_000_000  # longest string or blob (and row); articles are well under 1 MB
TIME_LIMIT_MS = 1000  # Datasette's sql_time_limit_ms, said here so the command makes it explicit
DENIED_FUNCTIONS = frozenset({"fts3_tokenizer"})  # it hands out a native pointer


def add_functions(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the SQL function ``fts_query(text)``: the canned search reads ``q`` as
    ``archiver search`` and the reader do."""
    conn.create_function("fts_query", 1, sql_fts_query, deterministic=True)


# An FTS5 query that matches nothing: what a search with no word in it finds.
NO_MATCH = '""'


def sql_fts_query(text: object) -> str:
    """:func:`storage.search.fts_query` for SQL: no match for NULL, empty or word-less text."""
    if text is None:
        return NO_MATCH
    try:
        return fts_query(str(text))
    except SearchSyntaxError:
        return NO_MATCH


def limit_connection(conn: sqlite3.Connection) -> None:
    """Cap string and blob lengths on ``conn`` and deny the functions no reader needs."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.set_authorizer(_authorize)


def _authorize(
    action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None
) -> int:
    """SQLite's authorizer: deny calls of :data:`DENIED_FUNCTIONS`, allow all else."""
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def fold_wal(db: Path) -> bool:
    """Fold a write-ahead log into the file unless another process holds the archive open.

    Returns whether one does (a running crawl): that archive must be served live (read-only,
    WAL-aware), since an immutable reader skips locking and the WAL and reads a file still being
    written as "malformed". SQLite removes the WAL when its last connection closes; a crawl's
    connection keeps it, and a crawl killed with SIGKILL holds nothing (the kernel drops its
    locks), so closing ours folds and removes a dead crawl's log and leaves a live crawl's.
    """
    wal = db.with_name(db.name + "-wal")
    if not wal.exists():
        return False
    conn = sqlite3.connect(db, timeout=0)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the WAL
    finally:
        conn.close()
    return wal.exists()


def datasette_command(
    db: Path, metadata: Path, host: str, port: int, immutable: bool = True
) -> list[str]:
    """The command line that serves ``db`` read-only with our metadata, plugins and limits.

    ``immutable`` for an archive no crawl holds; otherwise Datasette opens it ``mode=ro``, which
    follows the WAL and sees each commit of the crawl that writes it.
    """
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        *(["--immutable"] if immutable else []),
        str(db),
        "--metadata",
        str(metadata),
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--setting",
        "sql_time_limit_ms",
        str(TIME_LIMIT_MS),
        "--host",
        host,
        "--port",
        str(port),
    ]


class _ArchiveOpened(Exception):
    """Raised by the watch over an immutable server: another process writes the archive."""


def run_datasette(
    db: Path, metadata: Path, host: str, port: int, live: bool, on_live: Callable[[], None]
) -> int:
    """Serve ``db`` until stopped: immutable while nothing else holds it, live once anything does.

    A crawl that starts while the archive is served immutable would rewrite the file under it
    (its first checkpoint), so its first commit in the WAL restarts Datasette live
    (``mode=ro``), once; ``on_live`` is called then. Returns Datasette's exit status, or 0
    when stopped.
    """
    wal = db.with_name(db.name + "-wal")

    def watch() -> None:
        # a reader leaves an empty WAL behind (read-only, it cannot remove it); a writer's holds
        # its first commit long before its first checkpoint touches the file
        if wal.exists() and wal.stat().st_size > 0:
            raise _ArchiveOpened

    while True:
        command = datasette_command(db, metadata, host, port, immutable=not live)
        try:
            return run_server(command, tick=None if live else watch, interval=WATCH_SECONDS)
        except _ArchiveOpened:
            live = True
            on_live()
