"""Datasette over the archive: bundled metadata, the replay-link plugin, the command line."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from archiver.serving.columns import COLUMNS

PLUGINS_DIR = Path(__file__).resolve().parent / "datasette_plugins"

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
        "facets": ["site", "language", {"array": "author"}, {"date": "published"}],
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
where articles_fts match coalesce(nullif(:q, ''), '""')
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
    "search": {
        "title": "Search articles",
        "description": (
            'Full-text search (SQLite FTS5 syntax: words, "exact phrases", OR, NOT, prefix*),'
            " most relevant first; matches in the snippet are [bracketed]."
        ),
        "sql": SEARCH_SQL,
    },
}


def datasette_metadata(
    database: str, replay_url: str, tables: Iterable[str] = (), warc_dir: Path | None = None
) -> dict[str, Any]:
    """Datasette metadata for the archive served under the name ``database``.

    ``tables`` lists the tables the file holds: any the archiver does not describe here yet
    still gets a title and a pointer to the schema reference.
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
    reader = {"database": database, "replay_url": replay_url, "warc_dir": str(warc_dir or "")}
    return {
        "title": "news-archiver",
        "description": (
            "Articles archived by news-archiver: clean text and metadata extracted from the"
            " WARC captures, which replay in pywb."
        ),
        "databases": {database: {"tables": described, "queries": QUERIES}},
        "plugins": {"replay_links": {"replay_url": replay_url}, "reader": reader},
    }


def write_metadata(
    folder: Path,
    database: str,
    replay_url: str,
    tables: Iterable[str] = (),
    warc_dir: Path | None = None,
) -> Path:
    """Write the metadata file for ``database`` into ``folder``; return its path."""
    path = folder / "metadata.json"
    metadata = datasette_metadata(database, replay_url, tables, warc_dir)
    text = json.dumps(metadata, indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def checkpoint(db: Path) -> None:
    """Fold the write-ahead log into the database file: an immutable reader ignores the WAL."""
    wal = db.with_name(db.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def datasette_command(db: Path, metadata: Path, host: str, port: int) -> list[str]:
    """The command line that serves ``db`` read-only (immutable) with our metadata and plugin."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "--immutable",
        str(db),
        "--metadata",
        str(metadata),
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--host",
        host,
        "--port",
        str(port),
    ]
