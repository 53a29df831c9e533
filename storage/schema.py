"""The SQLite archive's tables, created and migrated with sqlite-utils."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def _v1_core(db: sqlite_utils.Database) -> None:
    _v1_crawls(db)
    _v1_captures(db)
    _v1_articles(db)


def _v1_crawls(db: sqlite_utils.Database) -> None:
    """One row per crawl run (version 3 adds ``schedule_id``)."""
    db.table("crawls").create(
        {
            "id": int,
            "seeds": str,
            "started": str,
            "finished": str,
            "status": str,
            "pages": int,
            "articles": int,
            "errors": int,
            "warc_files": int,
            "warc_bytes": int,
            "error_kinds": str,
            "settings": str,
        },
        pk="id",
        not_null={"seeds", "started", "status"},
    )


def _v1_captures(db: sqlite_utils.Database) -> None:
    """One row per archived response and where its WARC record lives (version 3 adds ``etag``,
    ``last_modified`` and ``refers_to``)."""
    db.table("captures").create(
        {
            "id": int,
            "crawl_id": int,
            "url": str,
            "status": int,
            "mime": str,
            "kind": str,
            "record_type": str,
            "fetched_at": str,
            "warc_filename": str,
            "warc_offset": int,
            "warc_length": int,
            "warc_record_id": str,
            "payload_digest": str,
            "content_length": int,
        },
        pk="id",
        foreign_keys=[("crawl_id", "crawls", "id")],
        not_null={"url", "status", "fetched_at", "warc_filename", "warc_offset", "warc_length"},
    )
    db.table("captures").create_index(["url", "fetched_at"])
    db.table("captures").create_index(["warc_filename", "warc_offset"], unique=True)


def _v1_articles(db: sqlite_utils.Database) -> None:
    """One row per article URL with its latest extracted text, and their full-text index."""
    db.table("articles").create(
        {
            "id": int,
            "url": str,
            "site": str,
            "title": str,
            "author": str,
            "published": str,
            "language": str,
            "description": str,
            "text": str,
            "extracted": str,
            "text_digest": str,
            "capture_id": int,
            "crawl_id": int,
            "fetched_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("capture_id", "captures", "id"), ("crawl_id", "crawls", "id")],
        not_null={"url", "site", "text", "fetched_at"},
    )
    db.table("articles").create_index(["url"], unique=True)
    db.table("articles").create_index(["site", "published"])
    db.table("articles").enable_fts(["title", "text"], fts_version="FTS5", create_triggers=True)


def _v2_site_blocks(db: sqlite_utils.Database) -> None:
    db.table("site_blocks").create(
        {"site": str, "fingerprint": int, "pages": int, "sample": str},
        pk=("site", "fingerprint"),
        not_null={"pages"},
    )
    db.table("site_block_pages").create(
        {"site": str, "fingerprint": int, "article_id": int},
        pk=("site", "fingerprint", "article_id"),
    )
    db.table("site_block_pages").create_index(["site", "article_id"])


def _v3_versions_schedules(db: sqlite_utils.Database) -> None:
    db.table("article_versions").create(
        {
            "id": int,
            "article_id": int,
            "version": int,
            "title": str,
            "text": str,
            "text_digest": str,
            "capture_id": int,
            "fetched_at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("capture_id", "captures", "id")],
        not_null={"article_id", "version", "text", "fetched_at"},
    )
    db.table("article_versions").create_index(["article_id", "version"], unique=True)
    db.table("article_versions").enable_fts(
        ["title", "text"], fts_version="FTS5", create_triggers=True
    )
    db.table("schedules").create(
        {
            "id": int,
            "name": str,
            "every_seconds": int,
            "cron": str,
            "timezone": str,
            "seeds": str,
            "options": str,
            "created": str,
            "next_run": str,
            "last_run": str,
            "last_result": str,
            "last_crawl_id": int,
            "running_pid": int,
        },
        pk="id",
        not_null={"name", "seeds", "options", "created"},
    )
    db.table("schedules").create_index(["name"], unique=True)
    db.table("crawls").add_column("schedule_id", int)
    db.table("captures").add_column("etag", str)
    db.table("captures").add_column("last_modified", str)
    db.table("captures").add_column("refers_to", int)


def _v4_merged_shards(db: sqlite_utils.Database) -> None:
    """What ``archiver merge`` folded in from each shard, so a second merge adds only new rows."""
    db.table("merged_shards").create(
        {
            "shard": str,
            "path": str,
            "merges": int,
            "first_merged": str,
            "last_merged": str,
            "crawls_seen": int,
            "captures_seen": int,
            "versions_seen": int,
        },
        pk="shard",
        not_null={"path", "merges", "first_merged", "last_merged"},
    )
    db.table("merged_crawls").create(
        {"shard": str, "shard_crawl_id": int, "crawl_id": int},
        pk=("shard", "shard_crawl_id"),
        foreign_keys=[("shard", "merged_shards", "shard"), ("crawl_id", "crawls", "id")],
        not_null={"crawl_id"},
    )


# The reader's home page lists articles by this day, newest first (see docs/schema.md).
ARTICLE_DAY = "coalesce(published, substr(fetched_at, 1, 10))"
# Prefix queries (``harb*``) of 2 to 4 characters read a prefix index instead of merging the
# doclists of every word they expand to.
FTS_PREFIXES = "2 3 4"


def _v5_reader_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for the reader's listings, and prefix indexes in both full-text indexes."""
    db.execute(f"CREATE INDEX articles_day ON articles ({ARTICLE_DAY}, id)")
    db.execute(f"CREATE INDEX articles_language_day ON articles (language, {ARTICLE_DAY}, id)")
    for table, fts in (("articles", "articles_fts"), ("article_versions", "article_versions_fts")):
        # FTS5 fixes its options at creation: the index is made again, its triggers kept.
        db.execute(f"DROP TABLE {fts}")
        db.execute(
            f"CREATE VIRTUAL TABLE {fts} USING FTS5 (title, text, content=[{table}],"
            f" prefix='{FTS_PREFIXES}')"
        )
        db.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def _v6_page_type(db: sqlite_utils.Database) -> None:
    """The kind of page an article declares (``articles.page_type``), indexed for its facet.

    Rows stored before stay NULL until ``archiver reextract`` or a new capture fills them.
    """
    db.table("articles").add_column("page_type", str)
    db.execute("CREATE INDEX articles_page_type ON articles (page_type)")


def _v7_news_features(db: sqlite_utils.Database) -> None:
    """Rendered captures, paywall access, date sources, wire-copy clusters and article images.

    Safe to run on an archive that already has some of them (a test rewinds the version).
    """
    captures, articles = db.table("captures"), db.table("articles")
    if "rendered" not in captures.columns_dict:
        captures.add_column("rendered", int, not_null_default=0)
    for name, kind in (
        ("access", str),
        ("published_source", str),
        ("fingerprint", int),
        ("cluster_id", int),
    ):
        if name not in articles.columns_dict:
            articles.add_column(name, kind)
    db.execute("CREATE INDEX IF NOT EXISTS articles_access ON articles (access)")
    db.execute("CREATE INDEX IF NOT EXISTS articles_cluster ON articles (cluster_id)")
    db.table("article_images").create(
        {
            "id": int,
            "article_id": int,
            "position": int,
            "src": str,
            "alt": str,
            "caption": str,
            "credit": str,
            "width": int,
            "height": int,
            "capture_id": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("capture_id", "captures", "id")],
        not_null={"article_id", "position", "src"},
        if_not_exists=True,
    )
    db.table("article_images").create_index(
        ["article_id", "position"], unique=True, if_not_exists=True
    )


def _v8_image_sources(db: sqlite_utils.Database) -> None:
    """An index of image addresses: a capture of an image finds the rows that show it."""
    db.execute("CREATE INDEX IF NOT EXISTS article_images_src ON article_images (src)")


def _v9_wire_clusters(db: sqlite_utils.Database) -> None:
    """LSH band keys of each article's MinHash (``article_bands``), and every article
    fingerprinted and clustered.

    The full-text index's update trigger now fires only when ``title`` or ``text`` change, so
    that setting ``cluster_id`` (or any other column) does not re-index the article's text.
    """
    from storage.clusters import WireClusters  # numpy loads only when a migration needs it

    db.execute(
        "CREATE TABLE IF NOT EXISTS article_bands (key INTEGER NOT NULL,"
        " article_id INTEGER NOT NULL REFERENCES articles(id), PRIMARY KEY (key, article_id))"
        " WITHOUT ROWID"
    )
    db.execute("CREATE INDEX IF NOT EXISTS article_bands_article ON article_bands (article_id)")
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, text)"
        " VALUES ('delete', old.rowid, old.title, old.text);"
        " INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);"
        " END"
    )
    WireClusters(db).rebuild()


MIGRATIONS: list[Migration] = [
    _v1_core,
    _v2_site_blocks,
    _v3_versions_schedules,
    _v4_merged_shards,
    _v5_reader_indexes,
    _v6_page_type,
    _v7_news_features,
    _v8_image_sources,
    _v9_wire_clusters,
]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema up to date; return the version it is now at."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.conn:
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)
