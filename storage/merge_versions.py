"""An article's versions from another shard woven into its history, in order of fetch."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True, slots=True)
class _Version:
    """One version in the merged history: an archive row (``row_id``) or one to insert."""

    fetched_at: str
    capture_id: int | None
    text_digest: str | None
    row_id: int | None = None
    source: sqlite3.Row | None = None


def merge_versions(
    db: sqlite_utils.Database,
    article_id: int,
    incoming: Sequence[tuple[sqlite3.Row, int | None]],
) -> int:
    """Add a shard's versions of an article (each with its archive capture id) that the archive
    lacks, numbered in fetch order with the archive's own; return how many were added.

    A version is known by its capture and fetch date. An incoming version whose text equals the
    version before it is no change of the article, as a crawl would have found, and is left out.
    """
    current = [
        _Version(row[1], row[2], row[3], row_id=int(row[0]))
        for row in db.execute(
            "SELECT id, fetched_at, capture_id, text_digest FROM article_versions"
            " WHERE article_id = ? ORDER BY version",
            [article_id],
        ).fetchall()
    ]
    known = {(v.fetched_at, v.capture_id) for v in current}
    new = [
        _Version(row["fetched_at"], capture_id, row["text_digest"], source=row)
        for row, capture_id in incoming
        if (row["fetched_at"], capture_id) not in known
    ]
    if not new:
        return 0
    history: list[_Version] = []
    for version in sorted([*current, *new], key=lambda v: (v.fetched_at, v.row_id is None)):
        if version.row_id is None and history and history[-1].text_digest == version.text_digest:
            continue
        history.append(version)
    added = [v for v in history if v.row_id is None]
    if not added:
        return 0
    _renumber(db, article_id, history)
    return len(added)


def _renumber(db: sqlite_utils.Database, article_id: int, history: list[_Version]) -> None:
    """Write ``history`` as versions 1, 2, …: existing rows renumbered, new ones inserted."""
    # Negative first: the (article_id, version) index is unique at every step.
    db.execute("UPDATE article_versions SET version = -version WHERE article_id = ?", [article_id])
    for number, version in enumerate(history, start=1):
        if version.row_id is not None:
            db.execute(
                "UPDATE article_versions SET version = ? WHERE id = ?", [number, version.row_id]
            )
            continue
        source = version.source
        assert source is not None
        db.execute(
            "INSERT INTO article_versions (article_id, version, title, text, text_digest,"
            " capture_id, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                article_id,
                number,
                source["title"],
                source["text"],
                source["text_digest"],
                version.capture_id,
                version.fetched_at,
            ],
        )
