"""Wire-copy clusters: articles whose clean texts are near-duplicates, linked across sites.

An article's MinHash signature (:mod:`storage.minhash`) is kept as ``articles.fingerprint`` and
its band keys in ``article_bands``. Two articles are copies when they share a band key and their
fingerprints are close; a cluster is a connected group of copies, named by its smallest
``articles.id`` (``articles.cluster_id``, NULL for an article with no copy). A new text joins
the clusters of its copies; a changed text regroups its old cluster, which it may have held
together.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from storage.errors import DatabaseError
from storage.minhash import MAX_DISTANCE, Signature, signature, signatures, similar

BATCH = 2000  # articles read, fingerprinted and written at a time by a rebuild
CHUNK = 256  # bucket members compared at once by a rebuild, to bound its memory


@dataclass(frozen=True, slots=True)
class ClusterSummary:
    """One cluster as ``archiver clusters`` lists it."""

    cluster_id: int
    size: int
    sites: list[str]
    title: str | None  # of its first article (smallest id)
    first: str  # earliest publication (or fetch) date
    last: str


class WireClusters:
    """Keep ``articles.fingerprint``, ``article_bands`` and ``articles.cluster_id`` current."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def update(self, article_id: int, text: str) -> None:
        """Fingerprint an article's new text and move it to the cluster its copies are in."""
        found = self.db.execute(
            "SELECT cluster_id FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if found is None:
            return
        old_keys = {
            int(row[0])
            for row in self.db.execute(
                "SELECT key FROM article_bands WHERE article_id = ?", [article_id]
            )
        }
        sig = signature(text)
        if sig is not None and set(sig.bands) == old_keys:
            self.db.execute(
                "UPDATE articles SET fingerprint = ? WHERE id = ?", [sig.fingerprint, article_id]
            )
            return  # the same copies as before
        if sig is None and not old_keys:
            return  # too short before and now
        self._store(article_id, sig)
        if found[0] is not None:
            self._regroup([article_id, *self._members(int(found[0]))])
        elif sig is not None:
            copies = self._copies(article_id, sig.fingerprint)
            if copies:
                self._join(article_id, copies)

    def copies(self, article_id: int) -> list[int]:
        """Ids of the articles whose texts are near-duplicates of this one's."""
        found = self.db.execute(
            "SELECT fingerprint FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if found is None or found[0] is None:
            return []
        return self._copies(article_id, int(found[0]))

    def _store(self, article_id: int, sig: Signature | None) -> None:
        self.db.execute("DELETE FROM article_bands WHERE article_id = ?", [article_id])
        self.db.execute(
            "UPDATE articles SET fingerprint = ? WHERE id = ?",
            [sig.fingerprint if sig else None, article_id],
        )
        if sig is not None:
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO article_bands (key, article_id) VALUES (?, ?)",
                [(key, article_id) for key in sig.bands],
            )

    def _copies(self, article_id: int, fingerprint: int) -> list[int]:
        rows = self.db.execute(
            "SELECT DISTINCT a.id, a.fingerprint FROM article_bands b"
            " JOIN articles a ON a.id = b.article_id"
            " WHERE b.key IN (SELECT key FROM article_bands WHERE article_id = ?)"
            " AND b.article_id != ? AND a.fingerprint IS NOT NULL",
            [article_id, article_id],
        )
        return [int(row[0]) for row in rows if similar(fingerprint, int(row[1]))]

    def _members(self, cluster_id: int) -> list[int]:
        rows = self.db.execute("SELECT id FROM articles WHERE cluster_id = ?", [cluster_id])
        return [int(row[0]) for row in rows]

    def _join(self, article_id: int, copies: list[int]) -> None:
        """Merge the article, its copies and their clusters into one cluster."""
        members = {article_id, *copies}
        marks = ", ".join("?" for _ in copies)
        for row in self.db.execute(
            f"SELECT DISTINCT cluster_id FROM articles WHERE id IN ({marks})"
            " AND cluster_id IS NOT NULL",
            copies,
        ).fetchall():
            members.update(self._members(int(row[0])))
        self._name(members)

    def _regroup(self, seeds: Iterable[int]) -> None:
        """Find anew the clusters of ``seeds``: their copies, the copies of those, and so on."""
        seen: set[int] = set()
        for seed in seeds:
            if seed in seen:
                continue
            group, todo = {seed}, [seed]
            while todo:
                for copy in self.copies(todo.pop()):
                    if copy not in group:
                        group.add(copy)
                        todo.append(copy)
            seen |= group
            self._name(group)

    def _name(self, members: set[int]) -> None:
        """Give ``members`` their cluster id: the smallest of them, or NULL for one alone."""
        name = min(members) if len(members) > 1 else None
        self.db.conn.executemany(
            "UPDATE articles SET cluster_id = ? WHERE id = ? AND cluster_id IS NOT ?",
            [(name, member, name) for member in sorted(members)],
        )

    # the whole archive ----------------------------------------------------------------------
    def rebuild(self) -> int:
        """Fingerprint every article again and regroup the whole archive; return the clusters."""
        self.db.execute("DELETE FROM article_bands")
        self.db.execute(
            "UPDATE articles SET fingerprint = NULL, cluster_id = NULL"
            " WHERE fingerprint IS NOT NULL OR cluster_id IS NOT NULL"
        )
        ids: list[int] = []
        fingerprints: list[int] = []
        keys: list[np.ndarray] = []  # a batch's band keys at a time: 128 bytes an article
        last = 0
        while batch := self.db.execute(
            "SELECT id, text FROM articles WHERE id > ? ORDER BY id LIMIT ?", [last, BATCH]
        ).fetchall():
            last = int(batch[-1][0])
            made = signatures([row[1] or "" for row in batch])
            signed = [(int(row[0]), sig) for row, sig in zip(batch, made, strict=True)]
            found = [(article_id, sig) for article_id, sig in signed if sig is not None]
            self.db.conn.executemany(
                "UPDATE articles SET fingerprint = ? WHERE id = ?",
                [(sig.fingerprint, article_id) for article_id, sig in found],
            )
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO article_bands (key, article_id) VALUES (?, ?)",
                [(key, article_id) for article_id, sig in found for key in sig.bands],
            )
            ids.extend(article_id for article_id, _ in found)
            fingerprints.extend(sig.fingerprint for _, sig in found)
            keys.append(np.array([sig.bands for _, sig in found], dtype=np.int64))
        named = group_by_bands(ids, fingerprints, np.concatenate(keys) if ids else [])
        self.db.conn.executemany("UPDATE articles SET cluster_id = ? WHERE id = ?", named)
        return len({name for name, _ in named})


def biggest_clusters(
    conn: sqlite3.Connection, limit: int, site: str | None = None
) -> list[ClusterSummary]:
    """The ``limit`` largest clusters (those with a copy on ``site`` if given), largest first."""
    try:
        rows = _biggest(conn, limit, site)
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"cannot list clusters: {exc}") from exc
    return [
        ClusterSummary(int(r[0]), int(r[1]), sorted(_json_list(r[2])), r[3], r[4], r[5])
        for r in rows
    ]


def _biggest(conn: sqlite3.Connection, limit: int, site: str | None) -> list[sqlite3.Row]:
    where = " AND cluster_id IN (SELECT cluster_id FROM articles WHERE site = ?)" if site else ""
    day = "coalesce(published, substr(fetched_at, 1, 10))"
    return conn.execute(
        f"""SELECT cluster_id, count(*) AS size, json_group_array(DISTINCT site),
                   (SELECT title FROM articles t WHERE t.id = a.cluster_id),
                   min({day}), max({day})
            FROM articles a WHERE cluster_id IS NOT NULL{where}
            GROUP BY cluster_id ORDER BY size DESC, cluster_id LIMIT ?""",
        [site, limit] if site else [limit],
    ).fetchall()


def _json_list(value: str) -> list[str]:
    return [str(item) for item in json.loads(value)]


def group_by_bands(
    ids: Sequence[int],
    fingerprints: Sequence[int],
    keys: Sequence[tuple[int, ...]] | np.ndarray,
    max_distance: int = MAX_DISTANCE,
) -> list[tuple[int, int]]:
    """(cluster id, article id) of every article with a copy, from all signatures at once.

    Articles sharing a band key are compared pairwise (a whole bucket at once, in numpy); the
    pairs close enough are joined in a union-find, and each group is named by its smallest id.
    """
    if not ids:
        return []
    table = np.asarray(keys, dtype=np.int64)
    width = table.shape[1]
    flat = table.reshape(-1)
    owner = np.repeat(np.arange(len(ids), dtype=np.int64), width)
    order = np.argsort(flat, kind="stable")
    flat, owner = flat[order], owner[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    sizes = np.diff(np.r_[starts, len(flat)])
    parent = list(range(len(ids)))
    prints = np.array(fingerprints, dtype=np.int64).view(np.uint64)
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        for a, b in _close_pairs(owner[start : start + size], prints, max_distance):
            union(parent, a, b)
    groups: dict[int, list[int]] = {}
    for index in range(len(ids)):
        groups.setdefault(find_root(parent, index), []).append(ids[index])
    named: list[tuple[int, int]] = []
    for members in groups.values():
        if len(members) > 1:
            name = min(members)
            named.extend((name, member) for member in members)
    return named


def _close_pairs(
    members: np.ndarray, prints: np.ndarray, max_distance: int
) -> Iterator[tuple[int, int]]:
    """Pairs of bucket members (positions) whose fingerprints are close enough."""
    values = prints[members]
    for top in range(0, len(members), CHUNK):
        block = values[top : top + CHUNK]
        close = np.bitwise_count(block[:, None] ^ values[None, :]) <= max_distance
        rows, cols = np.nonzero(close)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            if top + row < col:
                yield int(members[top + row]), int(members[col])


def find_root(parent: list[int], index: int) -> int:
    """The root of ``index``'s set in the union-find forest ``parent`` (paths halved)."""
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def union(parent: list[int], a: int, b: int) -> None:
    """Join the sets of ``a`` and ``b``; the smaller index is the root."""
    root_a, root_b = find_root(parent, a), find_root(parent, b)
    if root_a != root_b:
        parent[max(root_a, root_b)] = min(root_a, root_b)
