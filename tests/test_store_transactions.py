"""The archive writes an article as one transaction: one commit, and nothing of a failed one."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from storage.rows import ArticleRow, CaptureRow
from storage.store import ArticleStore
from storage.warc import WarcRef


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


def capture(store: ArticleStore, url: str, n: int) -> int:
    """A capture row of ``url``, as the crawl writes one."""
    ref = WarcRef("a.warc.gz", 1000 * n, 900, f"<urn:uuid:{n}>")
    row = CaptureRow(url, 200, "text/html", "2026-11-27T10:00:00Z", ref, f"sha1:{n}", 900)
    return store.add_capture(row)


@pytest.mark.parametrize("amp_first", [False, True])
def test_an_amp_copy_never_replaces_the_article_read_off_its_own_page(
    tmp_path: Path, amp_first: bool
) -> None:
    own, amp = "https://news.example/a", "https://news.example/amp/a"
    with ArticleStore(tmp_path / "a.db") as store:
        pages = {own: ("Harbour wall repaired.",), amp: ("Harbour wall repaired.", "AMP page.")}
        order = [amp, own] if amp_first else [own, amp]
        outcomes = []
        for n, page in enumerate(order):
            row = replace(
                article(own, pages[page]),
                extracted=repr(pages[page]),
                capture_id=capture(store, page, n),
            )
            outcomes.append(store.save_article(row))
        assert outcomes == (["new", "updated"] if amp_first else ["new", "duplicate"])
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("SELECT text FROM articles").fetchall() == [("Harbour wall repaired.",)]
