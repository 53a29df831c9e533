"""What a crawl job already holds, read back from its WARC files when the job starts again.

The WARC files are the source of truth. A job's files are those whose ``warcinfo`` names the job
(``isPartOf``). After a kill, the last record of a file may be torn (an older writer that met a
full disk left torn records in the middle too) and the records written after the last database
commit have no ``captures`` row; :func:`recover_job` cuts the torn ones wherever they are, points
the rows of the records that moved at their new offsets, indexes the unindexed records, then
lists every URL the job has archived so it is not fetched again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlite_utils

from storage.store import ArticleStore
from storage.warcread import iter_responses, warc_files
from storage.warcrecover import Member, recover_tail, warcinfo_fields

_STAMP = re.compile(r"-(\d{17})-(\d{5})\.warc\.gz$")


@dataclass(frozen=True, slots=True)
class ArchivedCapture:
    """A URL the job has archived: where the record with its body lives, and what became of it."""

    capture_id: int
    url: str
    status: int
    filename: str
    offset: int
    fetched_at: str
    processed: bool  # its kind is known and, for an article, its article is stored


@dataclass(slots=True)
class JobArchive:
    """A job's WARC files and archived URLs, after recovery."""

    files: list[Path] = field(default_factory=list)
    captures: dict[str, ArchivedCapture] = field(default_factory=dict)
    indexed: int = 0  # records indexed on this start (written after the last commit)
    cut_bytes: int = 0  # bytes of torn records cut off
    moved: int = 0  # captures rows pointed at the new offset of their record

    def get(self, url: str) -> ArchivedCapture | None:
        """The job's latest capture of ``url``."""
        return self.captures.get(url)


def job_files(warc_dir: Path, job: str) -> list[Path]:
    """The WARC files whose ``warcinfo`` says they are part of ``job``, oldest first."""
    if not warc_dir.is_dir():
        return []
    written = warc_files(warc_dir, suffixes=(".warc.gz",))  # the writer's own files only
    found = [p for p in written if warcinfo_fields(p).get("isPartOf") == job]
    return sorted(found, key=_written_order)


def recover_job(store: ArticleStore, warc_dir: Path, job: str, crawl_id: int | None) -> JobArchive:
    """Make the job's WARC files whole, index their unindexed records, list what they hold.

    Records indexed here are attributed to the job's previous crawl, whose ``running`` status
    (it was killed) becomes ``interrupted``.
    """
    archive = JobArchive(files=job_files(warc_dir, job))
    previous = previous_crawls(store.db, job, crawl_id)
    for path in archive.files:
        # the whole file, as a torn record may be anywhere; the indexed records are not inflated
        recovery = recover_tail(path, 0, indexed_records(store.db, path.name))
        archive.cut_bytes += recovery.cut
        archive.moved += follow_moved_records(store.db, path.name, recovery.members)
        start = indexed_end(store.db, path.name)
        archive.indexed += _index_after(store, path, start, previous[-1] if previous else None)
    store.db.execute(
        f"UPDATE crawls SET status = 'interrupted' WHERE status = 'running'"
        f" AND id IN ({', '.join('?' * len(previous))})",
        previous,
    )
    store.commit()
    archive.captures = archived_captures(store.db, [p.name for p in archive.files])
    return archive


def follow_moved_records(
    db: sqlite_utils.Database, filename: str, members: tuple[Member, ...]
) -> int:
    """Point each ``captures`` row of ``filename`` at where its record is now; return how many.

    Records move when a torn record before them is cut. Matching rows to records by record id
    on every start also mends the rows if a run was killed between the repair and the commit.
    """
    where = {member.record_id: member for member in members if member.record_id}
    found = db.execute(
        "SELECT id, warc_record_id, warc_offset, warc_length FROM captures"
        " WHERE warc_filename = ? ORDER BY warc_offset",
        [filename],
    ).fetchall()
    moved = 0
    for capture_id, record_id, offset, length in found:  # upwards: offsets stay unique
        member = where.get(record_id)
        if member is not None and (member.offset, member.length) != (offset, length):
            db.execute(
                "UPDATE captures SET warc_offset = ?, warc_length = ? WHERE id = ?",
                [member.offset, member.length, capture_id],
            )
            moved += 1
    return moved


def indexed_records(db: sqlite_utils.Database, filename: str) -> list[Member]:
    """Where the ``captures`` rows of ``filename`` say its records are."""
    found = db.execute(
        "SELECT warc_offset, warc_length, record_type, warc_record_id FROM captures"
        " WHERE warc_filename = ? AND warc_record_id IS NOT NULL",
        [filename],
    ).fetchall()
    return [Member(int(o), int(n), kind or "response", rid) for o, n, kind, rid in found]


def indexed_end(db: sqlite_utils.Database, filename: str) -> int:
    """Where the last indexed record of ``filename`` ends (0 when none is)."""
    found = db.execute(
        "SELECT max(warc_offset + warc_length) FROM captures WHERE warc_filename = ?", [filename]
    ).fetchone()
    return int(found[0] or 0)


def previous_crawls(db: sqlite_utils.Database, job: str, before: int | None) -> list[int]:
    """Ids of the earlier crawls of ``job``, oldest first."""
    rows = db.execute(
        "SELECT id FROM crawls WHERE json_extract(settings, '$.JOB_NAME') = ?"
        " AND (? IS NULL OR id < ?) ORDER BY id",
        [job, before, before],
    ).fetchall()
    return [int(row[0]) for row in rows]


def archived_captures(
    db: sqlite_utils.Database, filenames: list[str]
) -> dict[str, ArchivedCapture]:
    """The latest capture of each URL recorded in ``filenames``, with where its body lives."""
    if not filenames:
        return {}
    marks = ", ".join("?" * len(filenames))
    sql = f"""
        SELECT c.id, c.url, c.status, c.kind, c.fetched_at,
               coalesce(r.warc_filename, c.warc_filename), coalesce(r.warc_offset, c.warc_offset),
               EXISTS (SELECT 1 FROM articles a WHERE a.capture_id = c.id OR a.url = c.url)
        FROM captures c LEFT JOIN captures r ON r.id = c.refers_to AND c.record_type = 'revisit'
        WHERE c.warc_filename IN ({marks}) ORDER BY c.id
    """
    found: dict[str, ArchivedCapture] = {}
    for cid, url, status, kind, fetched_at, filename, offset, stored in db.execute(sql, filenames):
        found[url] = ArchivedCapture(
            capture_id=int(cid),
            url=url,
            status=int(status),
            filename=filename,
            offset=int(offset),
            fetched_at=fetched_at,
            processed=kind is not None and (kind != "article" or bool(stored)),
        )
    for url, capture in found.items():
        if capture.status == 304:  # "not modified": answer with the copy it confirmed
            found[url] = _confirmed_copy(db, capture)
    return found


def _confirmed_copy(db: sqlite_utils.Database, capture: ArchivedCapture) -> ArchivedCapture:
    """The latest full 200 response of a URL whose capture in the job is a 304."""
    row = db.execute(
        "SELECT warc_filename, warc_offset FROM captures WHERE url = ? AND status = 200"
        " AND record_type = 'response' ORDER BY id DESC LIMIT 1",
        [capture.url],
    ).fetchone()
    if row is None:
        return capture
    return replace(capture, status=200, filename=row[0], offset=int(row[1]), processed=True)


def _index_after(store: ArticleStore, path: Path, start: int, crawl_id: int | None) -> int:
    count = 0
    for ref, stored in iter_responses(path, start):
        store.index_record(ref, stored, crawl_id)
        count += 1
    return count


def _written_order(path: Path) -> tuple[str, str, float]:
    match = _STAMP.search(path.name)
    stamp, serial = match.groups() if match else ("", "")
    return stamp, serial, path.stat().st_mtime
