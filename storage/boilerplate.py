"""Site layer: learn the text blocks a site repeats across its pages, and strip them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlite_utils

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_EDGE_PUNCTUATION = " .,;:!?…-–—|•·\"'«»“”„"


def normalise_block(text: str) -> str:
    """Case, spacing, digits and edge punctuation folded, so that '© 2025' and '© 2026' match."""
    folded = _DIGITS.sub("0", _SPACE.sub(" ", text.casefold()))
    return folded.strip(_EDGE_PUNCTUATION)


def block_fingerprint(text: str) -> int:
    """A signed 64-bit fingerprint of a block's normalised text (fits an SQLite INTEGER)."""
    digest = hashlib.blake2b(normalise_block(text).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True, slots=True)
class LearnedBlock:
    """A block the archive has seen on one site, with the number of distinct pages it was on."""

    site: str
    fingerprint: int
    pages: int
    sample: str


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

    def learn(self, site: str, article_id: int, texts: Sequence[str]) -> set[int]:
        """Count the article's blocks; return the fingerprints that just reached ``min_pages``."""
        crossed: set[int] = set()
        samples = {block_fingerprint(text): text for text in texts}
        for fingerprint, sample in samples.items():
            added = self.db.execute(
                "INSERT OR IGNORE INTO site_block_pages (site, fingerprint, article_id)"
                " VALUES (?, ?, ?)",
                [site, fingerprint, article_id],
            ).rowcount
            if not added:
                continue
            self.db.execute(
                "INSERT INTO site_blocks (site, fingerprint, pages, sample) VALUES (?, ?, 1, ?)"
                " ON CONFLICT (site, fingerprint) DO UPDATE SET pages = pages + 1",
                [site, fingerprint, sample[:500]],
            )
            if self.enabled and self._pages(site, fingerprint) == self.min_pages:
                crossed.add(fingerprint)
        return crossed

    def forget(self, site: str, article_id: int) -> None:
        """Uncount an article's blocks, before its new text is learned."""
        rows = self.db.execute(
            "SELECT fingerprint FROM site_block_pages WHERE site = ? AND article_id = ?",
            [site, article_id],
        ).fetchall()
        for (fingerprint,) in rows:
            self.db.execute(
                "UPDATE site_blocks SET pages = pages - 1 WHERE site = ? AND fingerprint = ?",
                [site, fingerprint],
            )
        self.db.execute(
            "DELETE FROM site_block_pages WHERE site = ? AND article_id = ?", [site, article_id]
        )

    def recurring(self, site: str, texts: Iterable[str]) -> set[int]:
        """The fingerprints among ``texts`` that the site repeats on enough pages to strip."""
        if not self.enabled:
            return set()
        fingerprints = sorted({block_fingerprint(text) for text in texts})
        if not fingerprints:
            return set()
        marks = ", ".join("?" for _ in fingerprints)
        rows = self.db.execute(
            f"SELECT fingerprint FROM site_blocks WHERE site = ? AND pages >= ?"
            f" AND fingerprint IN ({marks})",
            [site, self.min_pages, *fingerprints],
        ).fetchall()
        return {row[0] for row in rows}

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

    def _pages(self, site: str, fingerprint: int) -> int:
        row = self.db.execute(
            "SELECT pages FROM site_blocks WHERE site = ? AND fingerprint = ?", [site, fingerprint]
        ).fetchone()
        return int(row[0]) if row else 0


def compose_text(texts: Sequence[str], kept: Sequence[bool], recurring: set[int]) -> str:
    """The article text: blocks the in-page layer kept, minus the site's recurring blocks."""
    return "\n".join(
        text
        for text, keep in zip(texts, kept, strict=True)
        if keep and (not recurring or block_fingerprint(text) not in recurring)
    )
