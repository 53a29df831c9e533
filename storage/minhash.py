"""Near-duplicate signatures of a clean text: a MinHash over word shingles, as a 64-bit
fingerprint and LSH band keys.

Wire copies of one agency story differ by a rewritten lead, a tail or a few edited words: their
sets of three-word shingles overlap by half or more, while two stories on one topic share a few
per cent. MinHash keeps that overlap (the Jaccard similarity J) measurable: 64 minima over the
shingles' hashes (one hash, split into 64 bins: one-permutation hashing), on each of which two
texts agree with probability J. Of each minimum one bit is kept (b-bit MinHash):
the 64 bits are the article's fingerprint, where two fingerprints agree on a bit with
probability (1 + J) / 2, so a Hamming distance ``d`` estimates J as ``1 - d / 32``. Candidates
come from 16 bands of 4 minima each: two texts share a band key with probability
``1 - (1 - J**4) ** 16`` (0.64 at J = 0.5, 0.99 at J = 0.7, 0.0016 at J = 0.1).

A 64-bit simhash with the usual Hamming distance of 3 measured far worse on edited copies (see
benchmarks/clusters.py): most edited copies sit more than 10 bits apart, too far for a band
index to find them.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_WORDS = 50  # shorter texts are not compared: too little to tell a copy from a coincidence
SHINGLE = 3  # words per shingle
HASHES = 64  # one fingerprint bit per hash
BANDS = 16  # BANDS * ROWS == HASHES
ROWS = 4
# Two fingerprints at most this many bits apart belong to copies: J estimated >= 0.5.
MAX_DISTANCE = 16

_WORD = re.compile(r"\w+")
_MASK = (1 << 64) - 1
# Texts signed together: 100 cost 30 % less than one at a time, 2000 (arrays past the caches)
# hardly less (CPU time per corpus article of 460 words: 250, 350 and 340 µs).
_CHUNK = 100
_BIN_SHIFT = 64 - (HASHES - 1).bit_length()
_VALUE_MASK = (1 << 32) - 1
_ROTATE = 0x9E3779B1  # odd: a borrowed minimum moves by a different amount at each step
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
# Constants, not a seeded generator's draws: stored fingerprints must never change.
_BAND_MIX = np.array(
    [0xE84795980703B0E5, 0xAD0F97A6B5CAD963, 0xABA4DFDFF907C579, 0x6A7129B9F4BCA02F],
    dtype=np.uint64,
)
_BAND_SALT = np.arange(BANDS, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)


@dataclass(frozen=True, slots=True)
class Signature:
    """What storage keeps of a text to find its copies: fingerprint bits and band keys."""

    fingerprint: int  # signed 64-bit, as SQLite stores integers
    bands: tuple[int, ...]  # BANDS signed 64-bit keys, the band's number mixed in


_HASHED: dict[str, int] = {}  # words seen: a crawl's vocabulary repeats
_HASHED_MAX = 1 << 19


def _word_hashes(found: list[str]) -> list[int]:
    cached = _HASHED
    if len(cached) > _HASHED_MAX:
        cached.clear()
    out = []
    for word in found:
        value = cached.get(word)
        if value is None:
            value = cached[word] = zlib.crc32(word.encode())
        out.append(value)
    return out


def words(text: str) -> list[str]:
    """The text's words, lower-cased: what shingles are made of."""
    return _WORD.findall(text.lower())


def signature(text: str) -> Signature | None:
    """The text's signature; None when it has fewer than :data:`MIN_WORDS` words."""
    return signatures([text])[0]


def signatures(texts: Sequence[str]) -> list[Signature | None]:
    """The signatures of many texts at once (numpy's work shared): :func:`signature` of each."""
    return [sig for at in range(0, len(texts), _CHUNK) for sig in _signed(texts[at : at + _CHUNK])]


def _signed(texts: Sequence[str]) -> list[Signature | None]:
    found = [words(text) for text in texts]
    signed = [i for i, listed in enumerate(found) if len(listed) >= MIN_WORDS]
    out: list[Signature | None] = [None] * len(texts)
    if not signed:
        return out
    minima = _minima([found[i] for i in signed])
    low_bits = np.packbits((minima & np.uint64(1)).astype(np.uint8), axis=1, bitorder="little")
    prints = low_bits.view("<i8").reshape(-1).tolist()
    keys = (minima.reshape(len(signed), BANDS, ROWS) * _BAND_MIX).sum(axis=2) ^ _BAND_SALT
    for row, (index, bands) in enumerate(zip(signed, keys.view(np.int64).tolist(), strict=True)):
        out[index] = Signature(prints[row], tuple(bands))
    return out


def _minima(lists: list[list[str]]) -> np.ndarray:
    """:data:`HASHES` minima per list of words, one row each, from its shingles' hashes."""
    lengths = np.array([len(listed) for listed in lists], dtype=np.int64)
    hashed = np.array(_word_hashes([w for listed in lists for w in listed]), dtype=np.uint64)
    width = len(hashed) - SHINGLE + 1
    shingles = hashed[:width] * _MIX[0]
    for offset in range(1, SHINGLE):
        shingles = shingles ^ (hashed[offset : offset + width] * _MIX[offset])
    ends = np.cumsum(lengths)[:-1]
    keep = np.ones(width, dtype=bool)
    for offset in range(1, SHINGLE):
        keep[ends - offset] = False  # shingles that run from one text into the next
    owner = np.repeat(np.arange(len(lists)), lengths - SHINGLE + 1)
    return _one_permutation(_fmix(shingles[keep]), owner, len(lists))


def _fmix(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: every input bit reaches every output bit."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    mixed: np.ndarray = values ^ (values >> np.uint64(33))
    return mixed


def _one_permutation(hashes: np.ndarray, owner: np.ndarray, rows: int) -> np.ndarray:
    """:data:`HASHES` minima per owner from one hash: the top bits pick a bin, each bin keeps
    the value of its least hash.

    One pass instead of one per hash (one-permutation hashing); a bin no shingle fell into
    borrows the minimum of the next filled bin, shifted by how far it borrowed (rotation), so
    two texts still agree on it with the probability of their similarity.
    """
    order = np.lexsort((hashes, owner))
    ordered, owner = hashes[order], owner[order]
    bins = (ordered >> np.uint64(_BIN_SHIFT)).astype(np.int64)
    group = owner * HASHES + bins
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    minima = np.zeros((rows, HASHES), dtype=np.uint64)
    minima[owner[first], bins[first]] = ordered[first] & np.uint64(_VALUE_MASK)
    owners, filled = owner[first], bins[first]
    bounds = np.searchsorted(owners, np.arange(rows + 1))
    for row in np.flatnonzero(np.diff(bounds) < HASHES).tolist():
        minima[row] = _borrow(minima[row], filled[bounds[row] : bounds[row + 1]])
    return minima


def _borrow(minima: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Fill each empty bin from the next filled one (circularly), shifted by the distance."""
    slots = np.arange(HASHES)
    lender = filled[np.searchsorted(filled, slots) % len(filled)]
    steps = ((lender - slots) % HASHES).astype(np.uint64)
    borrowed: np.ndarray = (minima[lender] + steps * np.uint64(_ROTATE)) & np.uint64(_VALUE_MASK)
    return borrowed


def distance(a: int, b: int) -> int:
    """Bits in which two fingerprints differ."""
    return ((a ^ b) & _MASK).bit_count()


def similar(a: int, b: int) -> bool:
    """Whether two fingerprints are close enough to be copies of one text."""
    return distance(a, b) <= MAX_DISTANCE
