"""The archive writes an article as one transaction: one commit, and nothing of a failed one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.store import ArticleRow, ArticleStore


def article(url: str, blocks: tuple[str, ...], kept: tuple[bool, ...] | None = None) -> ArticleRow:
    """An article row as extraction would hand it over."""
    return ArticleRow(
        url=url,
        site="news.example",
        blocks=blocks,
        kept=kept if kept is not None else (True,) * len(blocks),
        extracted="{}",
        fetched_at="2026-11-27T10:00:00Z",
        title="Harbour wall repaired",
    )


def test_an_article_of_many_blocks_is_one_commit(tmp_path: Path) -> None:
    statements: list[str] = []
    with ArticleStore(tmp_path / "a.db") as store:
        store.db.conn.set_trace_callback(statements.append)
        blocks = tuple(f"Paragraph {n} about the harbour wall, word {'x' * n}." for n in range(40))
        assert store.save_article(article("https://news.example/a", blocks)) == "new"
        assert statements.count("COMMIT") == 1
        store.db.conn.set_trace_callback(None)
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("SELECT count(*) FROM site_block_pages").fetchone() == (40,)
    assert conn.execute("SELECT count(*) FROM article_versions").fetchone() == (1,)


def test_a_failed_article_leaves_nothing_behind(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db") as store:
        store.save_article(article("https://news.example/a", ("First story.",)))
        broken = article("https://news.example/b", ("One block.", "Two blocks."), kept=(True,))
        with pytest.raises(ValueError):  # verdicts do not match blocks: fails after the INSERT
            store.save_article(broken)
        assert store.save_article(article("https://news.example/c", ("Third story.",))) == "new"
    conn = sqlite3.connect(tmp_path / "a.db")
    urls = [row[0] for row in conn.execute("SELECT url FROM articles ORDER BY url")]
    assert urls == ["https://news.example/a", "https://news.example/c"]
    assert conn.execute("SELECT count(*) FROM site_block_pages").fetchone() == (2,)
