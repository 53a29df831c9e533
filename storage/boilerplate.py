"""Site layer: learn the text blocks a site repeats across its pages, and strip them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlite_utils

_DIGITS = re.compile(r"\d+")
_EDGE_PUNCTUATION = " .,;:!?…-–—|•·\"'«»“”„"


def normalise_block(text: str) -> str:
    """Case, spacing, digits and edge punctuation folded, so that '© 2025' and '© 2026' match."""
    # split() breaks at exactly the characters \s matches; the edge space it drops, strip drops.
    folded = _DIGITS.sub("0", " ".join(text.casefold().split()))
    return folded.strip(_EDGE_PUNCTUATION)


def block_fingerprint(text: str) -> int:
    """A signed 64-bit fingerprint of a block's normalised text (fits an SQLite INTEGER)."""
    digest = hashlib.blake2b(normalise_block(text).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def block_fingerprints(texts: Iterable[str]) -> list[int]:
    """:func:`block_fingerprint` of each text, in order."""
    return [block_fingerprint(text) for text in texts]


@dataclass(frozen=True, slots=True)
class LearnedBlock:
    """A block the archive has seen on one site, with the number of distinct pages it was on."""

    site: str
    fingerprint: int
    pages: int
    sample: str


_ROWS = 200  # blocks written per statement: 600 variables, far below SQLite's limit


class SiteBoilerplate:
    """Per-site block counts in ``site_blocks`` / ``site_block_pages``; strips recurring blocks."""

    def __init__(self, db: sqlite_utils.Database, min_pages: int) -> None:
        self.db = db
        # A block seen on a single page is never boilerplate, whatever the setting says.
        self.min_pages = max(2, min_pages) if min_pages > 0 else 0

    @property
    def enabled(self) -> bool:
        """False when the site layer is switched off (min pages 0)."""
        return self.min_pages > 0

    def learn(
        self,
        site: str,
        article_id: int,
        texts: Sequence[str],
        fingerprints: Sequence[int] | None = None,
    ) -> set[int]:
        """Count the article's blocks (``fingerprints``: theirs, if known); return the
        fingerprints that just reached ``min_pages``."""
        return self.crossed(self.count(site, article_id, texts, fingerprints))

    def count(
        self,
        site: str,
        article_id: int,
        texts: Sequence[str],
        fingerprints: Sequence[int] | None = None,
    ) -> dict[int, int]:
        """Count the article's blocks (``fingerprints``: theirs, if known); return the pages
        each block not yet counted for this article is now on."""
        samples: dict[int, str] = {}  # a block twice on a page counts once, its last text kept
        for fingerprint, text in zip(
            block_fingerprints(texts) if fingerprints is None else fingerprints, texts, strict=True
        ):
            samples[fingerprint] = text
        counted: dict[int, int] = {}
        ordered = list(samples)
        for at in range(0, len(ordered), _ROWS):
            chunk = ordered[at : at + _ROWS]
            added = self._add_pages(site, article_id, chunk)
            counted.update(
                self._add_blocks(site, [(fp, samples[fp]) for fp in chunk if fp in added])
            )
        return counted

    def crossed(self, counted: Mapping[int, int]) -> set[int]:
        """The blocks that :meth:`count` just brought to ``min_pages`` pages."""
        if not self.enabled:
            return set()
        return {fingerprint for fingerprint, pages in counted.items() if pages == self.min_pages}

    def _add_pages(self, site: str, article_id: int, fingerprints: Sequence[int]) -> set[int]:
        """Record that the article carries ``fingerprints``; return those it did not before."""
        rows = self.db.execute(
            "INSERT OR IGNORE INTO site_block_pages (site, fingerprint, article_id) VALUES "
            + ", ".join("(?, ?, ?)" for _ in fingerprints)
            + " RETURNING fingerprint",
            [value for fp in fingerprints for value in (site, fp, article_id)],
        ).fetchall()
        return {row[0] for row in rows}

    def _add_blocks(self, site: str, blocks: Sequence[tuple[int, str]]) -> list[tuple[int, int]]:
        """Count one more page for each block (fingerprint, text); return their pages now.

        The rows are written in the order given, so new blocks get the rowids they got when
        each block had a statement of its own.
        """
        if not blocks:
            return []
        rows: list[tuple[int, int]] = self.db.execute(
            "INSERT INTO site_blocks (site, fingerprint, pages, sample) VALUES "
            + ", ".join("(?, ?, 1, ?)" for _ in blocks)
            + " ON CONFLICT (site, fingerprint) DO UPDATE SET pages = pages + 1"
            " RETURNING fingerprint, pages",
            [value for fp, text in blocks for value in (site, fp, text[:500])],
        ).fetchall()
        return rows

    def forget(self, site: str, article_id: int) -> None:
        """Uncount an article's blocks, before its new text is learned."""
        self.db.execute(
            "UPDATE site_blocks SET pages = pages - 1 WHERE site = ? AND fingerprint IN"
            " (SELECT fingerprint FROM site_block_pages WHERE site = ? AND article_id = ?)",
            [site, site, article_id],
        )
        self.db.execute(
            "DELETE FROM site_block_pages WHERE site = ? AND article_id = ?", [site, article_id]
        )

    def recurring(
        self, site: str, fingerprints: Iterable[int], counted: Mapping[int, int] | None = None
    ) -> set[int]:
        """The blocks among ``fingerprints`` that the site repeats on enough pages to strip;
        pages :meth:`count` just returned (``counted``) are not read again."""
        if not self.enabled:
            return set()
        wanted = set(fingerprints)
        known = counted or {}
        found = {fp for fp in wanted if known.get(fp, 0) >= self.min_pages}
        unknown = sorted(fp for fp in wanted if fp not in known)
        if not unknown:
            return found
        marks = ", ".join("?" for _ in unknown)
        rows = self.db.execute(
            f"SELECT fingerprint FROM site_blocks WHERE site = ? AND pages >= ?"
            f" AND fingerprint IN ({marks})",
            [site, self.min_pages, *unknown],
        ).fetchall()
        return found | {row[0] for row in rows}

    def articles_with(self, site: str, fingerprints: Iterable[int]) -> list[int]:
        """Ids of the site's articles that carry any of ``fingerprints``."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        rows = self.db.execute(
            f"SELECT DISTINCT article_id FROM site_block_pages WHERE site = ?"
            f" AND fingerprint IN ({marks}) ORDER BY article_id",
            [site, *wanted],
        ).fetchall()
        return [row[0] for row in rows]

    def learned(self, site: str | None = None, min_pages: int = 1) -> list[LearnedBlock]:
        """What has been learned, most widespread first."""
        sql = "SELECT site, fingerprint, pages, sample FROM site_blocks WHERE pages >= ?"
        params: list[object] = [min_pages]
        if site:
            sql += " AND site = ?"
            params.append(site)
        sql += " ORDER BY site, pages DESC, sample"
        return [LearnedBlock(*row) for row in self.db.execute(sql, params).fetchall()]


def compose_text(
    texts: Sequence[str], kept: Sequence[bool], recurring: set[int], fingerprints: Sequence[int]
) -> str:
    """The article text: blocks the in-page layer kept, minus the site's recurring blocks
    (``fingerprints``: the blocks', in order)."""
    return "\n".join(
        text
        for text, keep, fingerprint in zip(texts, kept, fingerprints, strict=True)
        if keep and fingerprint not in recurring
    )
