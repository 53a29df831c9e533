"""The peers benchmarks/clusters.py measures beside the archive's MinHash: an exact digest, a
64-bit simhash, datasketch's MinHash and MinHashLSH."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

import numpy as np

from storage.clusters import find_root, group_by_bands, union
from storage.minhash import SHINGLE, words

Grouping = dict[int, int]  # article index -> group label (absent: alone)


def exact_digest(texts: Sequence[str]) -> Grouping:
    """Articles whose normalised texts are identical."""
    groups: dict[str, int] = {}
    return {i: groups.setdefault(_digest(t), i) for i, t in enumerate(texts)}


def _digest(text: str) -> str:
    return hashlib.sha1(" ".join(words(text)).encode()).hexdigest()


_SIMHASH_BITS = np.uint64(1) << np.arange(64, dtype=np.uint64)


def simhash(text: str) -> int | None:
    """A 64-bit simhash over the same three-word shingles (None under 50 words)."""
    found = words(text)
    if len(found) < 50:
        return None
    hashed = np.array(
        [int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest()) for w in found],
        dtype=np.uint64,
    )
    width = len(hashed) - SHINGLE + 1
    shingles = (
        hashed[:width] ^ (hashed[1 : 1 + width] * np.uint64(31)) ^ (hashed[2:] * np.uint64(961))
    )
    bits = (shingles[:, None] & _SIMHASH_BITS) != 0
    votes = bits.sum(axis=0) * 2 > len(shingles)
    return int(np.bitwise_or.reduce(_SIMHASH_BITS[votes])) if votes.any() else 0


def simhash_groups(prints: Sequence[int | None], max_distance: int = 3) -> Grouping:
    """Simhash near-duplicates: 4 bands of 16 bits (exact for distance <= 3), then union-find."""
    ids = [i for i, p in enumerate(prints) if p is not None]
    values = [_signed(p) for p in prints if p is not None]
    bands = [
        tuple((p >> (16 * b)) & 0xFFFF | (b << 16) for b in range(4))
        for p in (v & (2**64 - 1) for v in values)
    ]
    named = _group(ids, values, bands, max_distance)
    return dict(named)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _group(
    ids: list[int], prints: list[int], bands: list[tuple[int, ...]], limit: int
) -> list[tuple[int, int]]:
    return [(member, name) for name, member in group_by_bands(ids, prints, bands, limit)]


def datasketch_groups(texts: Sequence[str]) -> tuple[Grouping, float, float] | None:
    """datasketch's MinHash (64 permutations) and MinHashLSH at Jaccard 0.5, if installed."""
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return None
    started = time.perf_counter()
    hashes: list[MinHash | None] = []
    for text in texts:
        found = words(text)
        if len(found) < 50:
            hashes.append(None)
            continue
        shingles = {" ".join(found[i : i + SHINGLE]).encode() for i in range(len(found) - 2)}
        sketch = MinHash(num_perm=64)
        sketch.update_batch(list(shingles))
        hashes.append(sketch)
    signed = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=64)
    parent = list(range(len(texts)))
    for i, sketch in enumerate(hashes):
        if sketch is None:
            continue
        for found in lsh.query(sketch):
            if sketch.jaccard(hashes[found]) >= 0.5:  # type: ignore[union-attr]
                union(parent, i, found)
        lsh.insert(i, sketch)
    grouping = {i: find_root(parent, i) for i in range(len(texts))}
    return grouping, signed - started, time.perf_counter() - signed
