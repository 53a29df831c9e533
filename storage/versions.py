"""Every version of every article: a new row whenever an article's visible text changes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import sqlite_utils

from storage.errors import ArchiveError


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """One stored version of an article."""

    version: int
    fetched_at: str
    title: str | None
    text: str
    capture_id: int | None


class ArticleVersions:
    """The ``article_versions`` table, kept in step with ``articles``."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def record(self, article_id: int, capture_id: int | None, fetched_at: str) -> bool:
        """Add the article's current text as a new version if it differs from the latest."""
        current = self.db.execute(
            "SELECT title, text, text_digest FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        latest = self._latest(article_id)
        if latest is not None and latest[1] == current[2]:
            return False
        number = (latest[0] if latest else 0) + 1
        self.db.execute(
            "INSERT INTO article_versions (article_id, version, title, text, text_digest,"
            " capture_id, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [article_id, number, current[0], current[1], current[2], capture_id, fetched_at],
        )
        return True

    def sync_latest(self, article_id: int) -> None:
        """Carry a re-cleaned text into the latest version: cleaning is not a new version."""
        self.db.execute(
            "UPDATE article_versions SET title = a.title, text = a.text,"
            " text_digest = a.text_digest FROM articles a"
            " WHERE a.id = ? AND article_versions.article_id = a.id AND article_versions.version ="
            " (SELECT max(version) FROM article_versions WHERE article_id = a.id)",
            [article_id],
        )

    def history(self, url: str) -> list[ArticleVersion]:
        """The versions of the article at ``url``, oldest first."""
        rows = self.db.execute(
            "SELECT v.version, v.fetched_at, v.title, v.text, v.capture_id FROM article_versions v"
            " JOIN articles a ON a.id = v.article_id WHERE a.url = ? ORDER BY v.version",
            [url],
        ).fetchall()
        if not rows:
            raise ArchiveError(f"no article archived at {url}")
        return [ArticleVersion(*row) for row in rows]

    def _latest(self, article_id: int) -> tuple[int, str] | None:
        row = self.db.execute(
            "SELECT version, text_digest FROM article_versions WHERE article_id = ?"
            " ORDER BY version DESC LIMIT 1",
            [article_id],
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None


def diff_versions(old: ArticleVersion, new: ArticleVersion) -> str:
    """A unified diff of two versions' titles and texts, one paragraph per line."""
    before = [f"# {old.title or ''}", *old.text.split("\n")]
    after = [f"# {new.title or ''}", *new.text.split("\n")]
    lines = difflib.unified_diff(
        before,
        after,
        fromfile=f"version {old.version} ({old.fetched_at})",
        tofile=f"version {new.version} ({new.fetched_at})",
        lineterm="",
    )
    return "\n".join(lines)
