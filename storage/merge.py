"""Fold nodes' SQLite shards into one archive: crawls, captures, articles, versions, site layer.

Ids differ across shards, so every row is remapped: a capture by its WARC file and offset, an
article by its URL, a crawl through ``merged_crawls``. ``merged_shards`` keeps how far each shard
was read (its highest capture and version ids), so merging a shard again reads only what is new
and adds nothing twice. Everything happens in one transaction of the target archive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from storage.clock import now_iso
from storage.merge_versions import merge_versions
from storage.shard import MergeError, Shard
from storage.store import ArticleStore

CRAWL_COLUMNS = (
    "seeds",
    "started",
    "finished",
    "status",
    "pages",
    "articles",
    "errors",
    "warc_files",
    "warc_bytes",
    "error_kinds",
    "settings",
)
CAPTURE_COLUMNS = (
    "url",
    "status",
    "mime",
    "kind",
    "record_type",
    "fetched_at",
    "warc_filename",
    "warc_offset",
    "warc_length",
    "warc_record_id",
    "payload_digest",
    "content_length",
    "etag",
    "last_modified",
    "rendered",
)
ARTICLE_COLUMNS = (
    "url",
    "site",
    "title",
    "author",
    "published",
    "language",
    "description",
    "page_type",
    "access",
    "published_source",
    "extracted",
    "fetched_at",
    "updated_at",
)


@dataclass(slots=True)
class MergeReport:
    """What a merge added to the archive."""

    shards: int = 0
    crawls: int = 0
    crawls_updated: int = 0
    captures: int = 0
    articles: dict[str, int] = field(default_factory=dict)
    versions: int = 0
    recleaned: int = 0

    def count(self, outcome: str) -> None:
        """Count one article outcome (new, updated)."""
        self.articles[outcome] = self.articles.get(outcome, 0) + 1

    @property
    def added_nothing(self) -> bool:
        """True when the archive is as it was before the merge."""
        changes = (self.crawls, self.crawls_updated, self.captures, self.versions, self.recleaned)
        return not any(changes) and not self.articles


def merge_shards(store: ArticleStore, paths: Sequence[Path]) -> MergeReport:
    """Merge the shards at ``paths`` into ``store``: all of them, or (on any error) nothing."""
    shards = open_shards(paths, store.path)  # every shard checked before anything is written
    report = MergeReport()
    try:
        with store.transaction():
            merge = _Merge(store, report)
            for shard in shards:
                merge.shard(shard)
            merge.finish()
    finally:
        for shard in shards:
            shard.close()
    return report


def open_shards(paths: Sequence[Path], target: Path) -> list[Shard]:
    """Open and check every shard; a :class:`MergeError` for the first that cannot be merged."""
    shards: list[Shard] = []
    try:
        for path in paths:
            if path.exists() and target.exists() and path.resolve() == target.resolve():
                raise MergeError(f"{path} is the archive merged into: it cannot be its own shard")
            shards.append(Shard(path))
    except BaseException:
        for shard in shards:
            shard.close()
        raise
    return shards


def check_shards(paths: Sequence[Path], target: Path) -> None:
    """Fail as :func:`merge_shards` would on a shard it cannot merge, before the archive opens."""
    for shard in open_shards(paths, target):
        shard.close()


class _Merge:
    """One merge run: the shards in turn, then the touched sites re-cleaned."""

    def __init__(self, store: ArticleStore, report: MergeReport) -> None:
        self.store = store
        self.db = store.db
        self.report = report
        self.sites: dict[str, set[int]] = {}  # site -> articles whose versions need syncing
        self.fresh: set[int] = set()  # articles inserted or replaced: their text is new anyway

    def shard(self, shard: Shard) -> None:
        """Merge one shard's rows that are newer than what was merged from it before."""
        shard.snapshot()
        identity = shard.identity()
        if identity is None:
            return
        seen = self._seen(identity)
        crawls = self._crawls(shard, identity)
        captures = _CaptureMap(shard.conn, self.db)
        added = self._captures(shard, seen[1], crawls, captures)
        self._articles(shard, seen, crawls, captures)
        self.report.shards += 1
        self.report.captures += added
        self._record(shard, identity)

    def finish(self) -> None:
        """Re-clean every touched site's articles with the merged block counts, as a crawl does
        when a block starts recurring, and carry each article's text into its latest version."""
        for site, touched in sorted(self.sites.items()):
            ids = [
                int(row[0])
                for row in self.db.execute("SELECT id FROM articles WHERE site = ?", [site])
            ]
            self.store.reclean_site(site, [i for i in ids if i in self.fresh])
            older = [i for i in ids if i not in self.fresh]
            self.report.recleaned += self.store.reclean_site(site, older)
            for article_id in sorted(touched):
                self.store.versions.sync_latest(article_id)
        self.store.images.link_missing()  # images whose capture came in another shard

    # bookkeeping ----------------------------------------------------------------------------
    def _seen(self, identity: str) -> tuple[int, int]:
        found = self.db.execute(
            "SELECT captures_seen, versions_seen FROM merged_shards WHERE shard = ?", [identity]
        ).fetchone()
        return (int(found[0] or 0), int(found[1] or 0)) if found else (0, 0)

    def _record(self, shard: Shard, identity: str) -> None:
        highest = [
            int(shard.conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])
            for table in ("crawls", "captures", "article_versions")
        ]
        stored = self.db.execute(
            "SELECT crawls_seen, captures_seen, versions_seen FROM merged_shards WHERE shard = ?",
            [identity],
        ).fetchone()
        if stored is not None and list(stored) == highest:
            return  # nothing new: the archive stays as it was, bookkeeping included
        now = now_iso()
        self.db.execute(
            "INSERT INTO merged_shards (shard, path, merges, first_merged, last_merged,"
            " crawls_seen, captures_seen, versions_seen) VALUES (?, ?, 1, ?, ?, ?, ?, ?)"
            " ON CONFLICT (shard) DO UPDATE SET path = excluded.path, merges = merges + 1,"
            " last_merged = excluded.last_merged, crawls_seen = excluded.crawls_seen,"
            " captures_seen = excluded.captures_seen, versions_seen = excluded.versions_seen",
            [identity, str(shard.path.resolve()), now, now, *highest],
        )

    # crawls ---------------------------------------------------------------------------------
    def _crawls(self, shard: Shard, identity: str) -> dict[int, int]:
        """Add the shard's new crawls and bring merged ones up to date; map their ids."""
        mapping: dict[int, int] = {}
        names = ", ".join(CRAWL_COLUMNS)
        for row in shard.conn.execute(f"SELECT id, {names} FROM crawls ORDER BY id"):
            values = [row[name] for name in CRAWL_COLUMNS]
            found = self.db.execute(
                "SELECT crawl_id FROM merged_crawls WHERE shard = ? AND shard_crawl_id = ?",
                [identity, row["id"]],
            ).fetchone()
            if found is None:
                marks = ", ".join("?" for _ in CRAWL_COLUMNS)
                cursor = self.db.execute(f"INSERT INTO crawls ({names}) VALUES ({marks})", values)
                crawl_id = int(cursor.lastrowid or 0)
                self.db.execute(
                    "INSERT INTO merged_crawls (shard, shard_crawl_id, crawl_id) VALUES (?, ?, ?)",
                    [identity, row["id"], crawl_id],
                )
                self.report.crawls += 1
            else:
                crawl_id = int(found[0])
                # a crawl still running at the last merge has finished since: new counters
                changed = " OR ".join(f"{name} IS NOT ?" for name in CRAWL_COLUMNS)
                assignments = ", ".join(f"{name} = ?" for name in CRAWL_COLUMNS)
                cursor = self.db.execute(
                    f"UPDATE crawls SET {assignments} WHERE id = ? AND ({changed})",
                    [*values, crawl_id, *values],
                )
                self.report.crawls_updated += cursor.rowcount
            mapping[int(row["id"])] = crawl_id
        return mapping

    # captures -------------------------------------------------------------------------------
    def _captures(
        self, shard: Shard, after: int, crawls: dict[int, int], captures: _CaptureMap
    ) -> int:
        """Add the shard's captures above ``after``; a record already indexed is not added."""
        added = 0
        # A shard of an older schema lacks the newer columns: the archive's defaults fill them.
        held = {str(info[1]) for info in shard.conn.execute("PRAGMA table_info(captures)")}
        present = [name for name in CAPTURE_COLUMNS if name in held]
        names = ", ".join(present)
        marks = ", ".join("?" for _ in range(len(present) + 2))
        rows = shard.conn.execute(
            f"SELECT id, crawl_id, refers_to, {names} FROM captures WHERE id > ? ORDER BY id",
            [after],
        )
        for row in rows:
            existing = captures.lookup(row["warc_filename"], row["warc_offset"])
            if existing is not None:
                captures.check_same(existing, row)
                captures.remember(int(row["id"]), existing[0])
                continue
            crawl_id = crawls.get(row["crawl_id"]) if row["crawl_id"] is not None else None
            refers_to = captures.resolve(row["refers_to"])
            cursor = self.db.execute(
                f"INSERT INTO captures (crawl_id, refers_to, {names}) VALUES ({marks})",
                [crawl_id, refers_to, *(row[name] for name in present)],
            )
            captures.remember(int(row["id"]), int(cursor.lastrowid or 0))
            added += 1
        return added

    # articles -------------------------------------------------------------------------------
    def _articles(
        self, shard: Shard, seen: tuple[int, int], crawls: dict[int, int], captures: _CaptureMap
    ) -> None:
        """Merge the shard's articles stored or changed since its last merge."""
        captures_seen, versions_seen = seen
        rows = shard.conn.execute(
            "SELECT a.*, c.url AS page FROM articles a LEFT JOIN captures c ON c.id = a.capture_id"
            " WHERE ? = 0 OR a.capture_id > ? OR a.id IN"
            " (SELECT article_id FROM article_versions WHERE id > ?) ORDER BY a.id",
            [captures_seen, captures_seen, versions_seen],
        )
        for row in rows:  # one at a time: a shard may hold more text than memory
            versions = shard.conn.execute(
                "SELECT version, title, text, text_digest, capture_id, fetched_at"
                " FROM article_versions WHERE article_id = ? ORDER BY version",
                [row["id"]],
            ).fetchall()
            self._article(row, versions, crawls, captures)

    def _article(
        self,
        row: sqlite3.Row,
        versions: list[sqlite3.Row],
        crawls: dict[int, int],
        captures: _CaptureMap,
    ) -> None:
        capture_id = captures.resolve(row["capture_id"])
        crawl_id = crawls.get(row["crawl_id"]) if row["crawl_id"] is not None else None
        existing = self.db.execute(
            "SELECT a.id, a.extracted, a.title, a.fetched_at, c.url, a.page_type FROM articles a"
            " LEFT JOIN captures c ON c.id = a.capture_id WHERE a.url = ?",
            [row["url"]],
        ).fetchone()
        own_page = row["page"] == row["url"]
        if existing is None:
            article_id = self._insert_article(row, capture_id, crawl_id)
            self.fresh.add(article_id)
            self.report.count("new")
        else:
            article_id = int(existing[0])
            target_own_page = existing[4] == row["url"]
            if target_own_page and not own_page:
                return  # an AMP copy never replaces an article stored from its own page
            newer = (own_page, row["fetched_at"]) > (target_own_page, existing[3])
            page_type = row["page_type"] if "page_type" in _columns(row) else existing[5]
            shard_has = (row["extracted"], row["title"], page_type)
            if newer and (existing[1], existing[2], existing[5]) != shard_has:
                self._replace_article(article_id, row, capture_id, crawl_id)
                self.fresh.add(article_id)
                self.report.count("updated")
        mapped = [(v, captures.resolve(v["capture_id"])) for v in versions]
        added = merge_versions(self.db, article_id, mapped)
        self.report.versions += added
        self.sites.setdefault(row["site"], set()).add(article_id)

    def _insert_article(
        self, row: sqlite3.Row, capture_id: int | None, crawl_id: int | None
    ) -> int:
        columns = _columns(row)
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in range(len(columns) + 3))
        cursor = self.db.execute(
            f"INSERT INTO articles ({names}, capture_id, crawl_id, text) VALUES ({marks})",
            [*(row[name] for name in columns), capture_id, crawl_id, ""],
        )
        article_id = int(cursor.lastrowid or 0)
        self._learn(row["site"], article_id, row["extracted"])
        return article_id

    def _replace_article(
        self, article_id: int, row: sqlite3.Row, capture_id: int | None, crawl_id: int | None
    ) -> None:
        site = self.db.execute("SELECT site FROM articles WHERE id = ?", [article_id]).fetchone()
        self.store.boilerplate.forget(str(site[0]), article_id)
        columns = _columns(row)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self.db.execute(
            f"UPDATE articles SET {assignments}, capture_id = ?, crawl_id = ? WHERE id = ?",
            [*(row[name] for name in columns), capture_id, crawl_id, article_id],
        )
        self._learn(row["site"], article_id, row["extracted"])

    def _learn(self, site: str, article_id: int, extracted: str) -> None:
        self.store.adopt_merged(site, article_id, extracted)  # blocks and images


def _columns(row: sqlite3.Row) -> list[str]:
    """The :data:`ARTICLE_COLUMNS` a shard's row holds: one of an older schema has no page_type,
    and the archive keeps what it had."""
    held = set(row.keys())
    return [name for name in ARTICLE_COLUMNS if name in held]


class _CaptureMap:
    """Shard capture ids to archive capture ids, through each record's WARC file and offset."""

    def __init__(self, shard: sqlite3.Connection, db: sqlite_utils.Database) -> None:
        self.shard = shard
        self.db = db
        self.known: dict[int, int] = {}

    def remember(self, shard_id: int, archive_id: int) -> None:
        """Note that shard capture ``shard_id`` is archive capture ``archive_id``."""
        self.known[shard_id] = archive_id

    def lookup(self, filename: str, offset: int) -> tuple[int, str | None] | None:
        """The archive's capture id and record id at ``filename``@``offset``, if indexed."""
        found = self.db.execute(
            "SELECT id, warc_record_id FROM captures WHERE warc_filename = ? AND warc_offset = ?",
            [filename, offset],
        ).fetchone()
        return (int(found[0]), found[1]) if found else None

    def check_same(self, existing: tuple[int, str | None], row: sqlite3.Row) -> None:
        """Fail when the archive indexes another record at the same WARC file and offset."""
        theirs = row["warc_record_id"]
        if existing[1] is not None and theirs is not None and existing[1] != theirs:
            raise MergeError(
                f"WARC file {row['warc_filename']} holds different records in two shards:"
                " the nodes wrote under the same WARC_PREFIX (give each node its own)"
            )

    def resolve(self, shard_id: int | None) -> int | None:
        """The archive's id for shard capture ``shard_id`` (None stays None)."""
        if shard_id is None:
            return None
        if shard_id in self.known:
            return self.known[shard_id]
        found = self.shard.execute(
            "SELECT warc_filename, warc_offset FROM captures WHERE id = ?", [shard_id]
        ).fetchone()
        archived = self.lookup(found[0], found[1]) if found else None
        if archived is None:
            return None
        self.known[shard_id] = archived[0]
        return archived[0]
