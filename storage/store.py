"""The SQLite archive: crawls, captures and articles, written in batched transactions."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlite_utils

from storage.boilerplate import SiteBoilerplate, block_fingerprints, compose_text
from storage.clock import now_iso
from storage.clusters import WireClusters
from storage.errors import DatabaseError
from storage.extracted import decode_extracted
from storage.images import ArticleImages
from storage.rows import ArticleRow, CaptureRow, PriorCapture
from storage.schema import migrate
from storage.versions import ArticleVersions
from storage.warc import WarcRef
from storage.warcread import StoredResponse


class ArticleStore:
    """Read and write the archive database.

    A capture row commits as soon as it is written, right after its WARC record was flushed, so
    the database never runs ahead of the WARC files and lags them by at most one record; the
    many writes of one article (row, site layer, versions, full-text index) are one transaction.
    """

    def __init__(self, path: Path, boilerplate_min_pages: int = 3) -> None:
        self.path = path
        self.db = open_database(path)
        self.boilerplate = SiteBoilerplate(self.db, boilerplate_min_pages)
        self.versions = ArticleVersions(self.db)
        self.images = ArticleImages(self.db)
        self.clusters = WireClusters(self.db)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # crawls -------------------------------------------------------------------------------
    def start_crawl(
        self,
        seeds: Sequence[str],
        settings: dict[str, Any] | None = None,
        schedule_id: int | None = None,
    ) -> int:
        """Record the start of a crawl (by hand, or by schedule ``schedule_id``); return its id."""
        cursor = self.db.execute(
            """INSERT INTO crawls (seeds, started, status, settings, schedule_id)
               VALUES (?, ?, 'running', ?, ?)""",
            [
                json.dumps(list(seeds)),
                now_iso(),
                json.dumps(settings or {}, default=str),
                schedule_id,
            ],
        )
        self.commit()
        return int(cursor.lastrowid or 0)

    def finish_crawl(self, crawl_id: int, status: str, counters: dict[str, Any]) -> None:
        """Record how a crawl ended, with its counters."""
        self.db.execute(
            """UPDATE crawls SET finished = ?, status = ?, pages = ?, articles = ?, errors = ?,
               warc_files = ?, warc_bytes = ?, error_kinds = ? WHERE id = ?""",
            [
                now_iso(),
                status,
                counters.get("pages", 0),
                counters.get("articles", 0),
                counters.get("errors", 0),
                counters.get("warc_files", 0),
                counters.get("warc_bytes", 0),
                json.dumps(counters.get("error_kinds", {}), sort_keys=True),
                crawl_id,
            ],
        )
        self.commit()

    # captures -----------------------------------------------------------------------------
    def add_capture(self, row: CaptureRow) -> int:
        """Index one WARC record; return the capture id."""
        cursor = self.db.execute(
            """INSERT INTO captures (crawl_id, url, status, mime, kind, record_type, fetched_at,
               warc_filename, warc_offset, warc_length, warc_record_id, payload_digest,
               content_length, etag, last_modified, refers_to, rendered)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                row.crawl_id,
                row.url,
                row.status,
                row.mime,
                row.kind,
                row.record_type,
                row.fetched_at,
                row.ref.filename,
                row.ref.offset,
                row.ref.length,
                row.ref.record_id,
                row.payload_digest,
                row.content_length,
                row.etag,
                row.last_modified,
                row.refers_to,
                int(row.rendered),
            ],
        )
        capture_id = int(cursor.lastrowid or 0)
        self.images.link(capture_id, row)
        return capture_id

    def capture_at(self, url: str, fetched_at: str) -> int | None:
        """The id of the capture of ``url`` fetched at ``fetched_at`` (a WARC-Date), if indexed."""
        found = self.db.execute(
            "SELECT id FROM captures WHERE url = ? AND fetched_at = ? AND record_type = 'response'",
            [url, fetched_at],
        ).fetchone()
        return int(found[0]) if found else None

    def has_article(self, url: str) -> bool:
        """Whether an article is archived at ``url``."""
        return self.db.execute("SELECT 1 FROM articles WHERE url = ?", [url]).fetchone() is not None

    def validators(self, url: str) -> tuple[str | None, str | None, tuple[str, int]] | None:
        """``ETag``, ``Last-Modified`` and record location of the latest 200 response of ``url``."""
        found = self.db.execute(
            "SELECT etag, last_modified, warc_filename, warc_offset FROM captures"
            " WHERE url = ? AND record_type = 'response' AND status = 200"
            " AND (etag IS NOT NULL OR last_modified IS NOT NULL) ORDER BY id DESC LIMIT 1",
            [url],
        ).fetchone()
        return (found[0], found[1], (found[2], int(found[3]))) if found else None

    def last_response(self, url: str) -> PriorCapture | None:
        """The latest full ``response`` capture of ``url``, if any."""
        found = self.db.execute(
            "SELECT id, url, status, payload_digest, fetched_at, kind FROM captures"
            " WHERE url = ? AND record_type = 'response' ORDER BY id DESC LIMIT 1",
            [url],
        ).fetchone()
        return PriorCapture(*found) if found else None

    def index_capture(self, row: CaptureRow) -> int:
        """The id of the capture at ``row.ref``, indexing it first if the archive lacks it."""
        found = self.db.execute(
            "SELECT id FROM captures WHERE warc_filename = ? AND warc_offset = ?",
            [row.ref.filename, row.ref.offset],
        ).fetchone()
        return int(found[0]) if found else self.add_capture(row)

    def index_record(
        self, ref: WarcRef, stored: StoredResponse, crawl_id: int | None = None
    ) -> int:
        """Index a response or revisit record read back from a WARC file; return its capture id."""
        revisit = stored.record_type == "revisit"
        refers_to = (
            self.capture_at(stored.refers_to_url or "", stored.refers_to_date or "")
            if revisit
            else None
        )
        return self.index_capture(
            CaptureRow(
                url=stored.url,
                status=stored.status,
                mime=stored.mime,
                fetched_at=stored.warc_date,
                ref=ref,
                payload_digest=stored.payload_digest,
                content_length=len(stored.raw_body),
                crawl_id=crawl_id,
                record_type=stored.record_type,
                refers_to=refers_to,
                etag=stored.header("ETag"),
                last_modified=stored.header("Last-Modified"),
            )
        )

    def mark_rendered(self, capture_id: int) -> None:
        """Record that a page's text came from the DOM a browser built from its capture."""
        self.db.execute("UPDATE captures SET rendered = 1 WHERE id = ?", [capture_id])

    def record_id_of(self, capture_id: int) -> str | None:
        """The WARC-Record-ID of a capture's record."""
        found = self.db.execute(
            "SELECT warc_record_id FROM captures WHERE id = ?", [capture_id]
        ).fetchone()
        return str(found[0]) if found else None

    def set_capture_kind(self, capture_id: int, kind: str) -> None:
        """Record what a captured page turned out to be (article, hub, other)."""
        self.db.execute("UPDATE captures SET kind = ? WHERE id = ?", [kind, capture_id])

    # articles -----------------------------------------------------------------------------
    def save_article(self, row: ArticleRow) -> str:
        """Insert or update the article at ``row.url``; 'new', 'updated', 'unchanged' or
        'duplicate' (a copy of an article stored from its own page).

        The site layer learns the article's blocks; a block that now recurs on enough of the
        site's pages is stripped from this article and re-cleaned out of the older ones. A text
        that differs from the latest version becomes a new version ('updated').
        """
        with self.transaction():
            return self._save_article(row)

    def _save_article(self, row: ArticleRow) -> str:
        existing = self.db.execute(
            "SELECT a.id, a.extracted, a.title, c.url, a.page_type, a.access, a.published,"
            " a.published_source FROM articles a"
            " LEFT JOIN captures c ON c.id = a.capture_id WHERE a.url = ?",
            [row.url],
        ).fetchone()
        # A new page_type, access or date alone updates the row too (rows stored before they
        # were kept get them); a refetch without its listing keeps the listing's date.
        row = row.keeping_listed_date(*existing[6:8]) if existing is not None else row
        stored = (row.extracted, row.title, row.page_type, row.access, *row.dated)
        if existing is not None and tuple(existing[i] for i in (1, 2, 4, 5, 6, 7)) == stored:
            return "unchanged"
        if existing is not None and existing[3] == row.url:
            page = self._page_of(row.capture_id)
            if page is not None and page != row.url:
                # Stored from its own page: a copy naming it canonical (an AMP page) does not
                # replace it, whichever a crawl or a rebuild happens to extract first.
                return "duplicate"
        values = row.columns()
        if existing is None:
            values["text"] = ""  # _set_text writes it; an update keeps it while it is the same
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            cursor = self.db.execute(
                f"INSERT INTO articles ({columns}) VALUES ({marks})", list(values.values())
            )
            article_id, outcome = int(cursor.lastrowid or 0), "new"
        else:
            article_id, outcome = int(existing[0]), "updated"
            assignments = ", ".join(f"{name} = ?" for name in values)
            self.db.execute(
                f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id]
            )
            self.boilerplate.forget(row.site, article_id)
        self.images.replace(article_id, row.images)
        prints = block_fingerprints(row.blocks)  # once, for counting and for stripping
        counted = self.boilerplate.count(row.site, article_id, row.blocks, prints)
        self._set_text(article_id, row.title, row.site, row.blocks, row.kept, (prints, counted))
        changed = self.versions.record(article_id, row.capture_id, row.fetched_at)
        if not changed and outcome != "new":
            outcome = "unchanged"  # new bytes, same text a reader sees
        if crossed := self.boilerplate.crossed(counted):
            self.reclean_site(row.site, self.boilerplate.articles_with(row.site, crossed))
        return outcome

    def adopt_merged(self, site: str, article_id: int, extracted: str) -> None:
        """Learn a merged article's blocks and write its images (from its ``extracted``).

        Blocks that start recurring are not re-cleaned here: the merge re-cleans the site last.
        """
        stored = decode_extracted(extracted)
        self.boilerplate.learn(site, article_id, stored.texts)
        self.images.replace(article_id, stored.images)

    def _page_of(self, capture_id: int | None) -> str | None:
        """The URL the capture of ``capture_id`` was fetched from."""
        if capture_id is None:
            return None
        found = self.db.execute("SELECT url FROM captures WHERE id = ?", [capture_id]).fetchone()
        return str(found[0]) if found else None

    def reclean_site(self, site: str, article_ids: Iterable[int]) -> int:
        """Re-apply the site layer to stored articles, from their stored blocks; count changes."""
        changed = 0
        with self.transaction():
            for article_id in article_ids:
                found = self.db.execute(
                    "SELECT title, extracted FROM articles WHERE id = ?", [article_id]
                ).fetchone()
                if found is None:
                    continue
                stored = decode_extracted(found[1])
                changed += self._set_text(article_id, found[0], site, stored.texts, stored.kept)
        return changed

    def replace_extracted(self, article_id: int, extracted: str) -> bool:
        """Store new in-page cleaning results for an article and recompute its text."""
        with self.transaction():
            found = self.db.execute(
                "SELECT title, site FROM articles WHERE id = ?", [article_id]
            ).fetchone()
            self.db.execute(
                "UPDATE articles SET extracted = ? WHERE id = ?", [extracted, article_id]
            )
            stored = decode_extracted(extracted)
            changed = self._set_text(article_id, found[0], found[1], stored.texts, stored.kept)
        return changed

    def _set_text(
        self,
        article_id: int,
        title: str | None,
        site: str,
        blocks: Sequence[str],
        kept: Sequence[bool],
        capture: tuple[Sequence[int], Mapping[int, int]] | None = None,
    ) -> bool:
        """Recompute an article's text. ``capture`` is given for a newly stored capture: its
        blocks' fingerprints and the page counts just learned from it. Without it (a re-cleaning),
        the latest version is updated in place, since cleaning is not a change of the article."""
        fingerprints, counted = capture or (block_fingerprints(blocks), None)
        recurring = self.boilerplate.recurring(site, fingerprints, counted)
        text = compose_text(blocks, kept, recurring, fingerprints)
        digest = text_digest(title, text)
        cursor = self.db.execute(
            "UPDATE articles SET text = ?, text_digest = ? WHERE id = ? AND"
            " (text_digest IS NULL OR text_digest != ?)",
            [text, digest, article_id, digest],
        )
        if cursor.rowcount:
            self.clusters.update(article_id, text)  # wire copies follow the text a reader sees
        if cursor.rowcount and capture is None:
            self.versions.sync_latest(article_id)
        return bool(cursor.rowcount)

    def articles(self, site: str | None = None) -> Iterator[dict[str, Any]]:
        """All stored articles, oldest first, optionally of one site."""
        sql = "SELECT * FROM articles" + (" WHERE site = ?" if site else "") + " ORDER BY id"
        yield from self.db.query(sql, [site] if site else [])

    def count(self, table: str) -> int:
        """Rows in one of the archive's tables."""
        return int(self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])

    # transactions -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the enclosed writes one transaction, or part of the one already open.

        sqlite-utils commits each write made outside a transaction on its own: an article's
        hundred-odd statements (site layer, versions, full-text index) as one commit instead of
        a hundred is what keeps storage cheap for the crawl. On an error nothing of it is kept.
        """
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def commit(self) -> None:
        """Commit what has been written so far."""
        self.db.conn.commit()

    def close(self) -> None:
        """Commit and close the database."""
        try:
            self.commit()
        finally:
            self.db.close()


def text_digest(title: str | None, text: str) -> str:
    """A digest of what a reader sees of an article, to tell a changed text from a refetch."""
    return hashlib.sha1(f"{title or ''}\n{text}".encode()).hexdigest()


def open_database(path: Path) -> sqlite_utils.Database:
    """Open (creating and migrating) the archive at ``path``, in WAL mode."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    if not path.parent.is_dir():
        raise DatabaseError(
            f"cannot create database {path}: directory {path.parent} does not exist"
        )
    try:
        conn = sqlite3.connect(str(path))
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    return db
