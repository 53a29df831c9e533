"""Schema version 4 for the reader: existing archives get its indexes, and search ranks a window."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

import storage.search
from archiver.serving.reader import pages
from storage.readonly import connect_readonly
from storage.schema import MIGRATIONS
from storage.search import SearchQuery, search_articles
from storage.store import open_database

INSERT = (
    "INSERT INTO articles (id, url, site, title, published, language, text, fetched_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def version_3_archive(path: Path, articles: int) -> None:
    """An archive as version 3 made it, holding ``articles`` articles about harbours."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    for number, migration in enumerate(MIGRATIONS[:3], start=1):
        with db.conn:
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
    with db.conn:
        for n in range(1, articles + 1):
            text = "The harbour " + "harbour " * (n % 5) + f"story {n}."
            day = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
            row = [n, f"https://e.example/{n}", "e.example", f"Story {n}", day, "en", text, day]
            db.execute(INSERT, row)
    db.conn.close()


def test_an_existing_archive_gets_the_indexes_and_keeps_its_search(tmp_path):
    path = tmp_path / "old.db"
    version_3_archive(path, 30)
    open_database(path).close()
    conn = connect_readonly(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
    assert "prefix='2 3 4'" in sql
    assert len(search_articles(conn, SearchQuery(text="harb*", limit=100))) == 30
    assert len(search_articles(conn, SearchQuery(text="story", limit=100))) == 30
    listing = f"SELECT id FROM articles ORDER BY {pages.DAY} DESC, id DESC LIMIT 21"
    plan = " ".join(str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {listing}"))
    assert "articles_day" in plan and "TEMP B-TREE" not in plan
    found, more = pages.latest(conn, pages.Filters(language="en"), 1)
    days = [row["day"] for row in found]
    assert len(found) == pages.PER_PAGE and more and days == sorted(days, reverse=True)
    conn.close()


def test_a_broad_query_ranks_only_the_newest_window(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    version_3_archive(path, 30)
    open_database(path).close()
    conn = connect_readonly(path)
    everything = search_articles(conn, SearchQuery(text="harbour", limit=30))
    assert len(everything) == 30  # within the window: every match ranked
    monkeypatch.setattr(storage.search, "RANK_WINDOW", 10)
    windowed = search_articles(conn, SearchQuery(text="harbour", limit=5))
    numbers = {int(hit.url.rsplit("/", 1)[1]) for hit in windowed}
    assert len(numbers) == 5 and numbers <= set(range(21, 31))  # ranked among the newest 10
    scores = [hit.score for hit in windowed]
    assert scores == sorted(scores)
    # a filter that leaves too few of the newest: every match is ranked after all
    (old,) = search_articles(
        conn, SearchQuery(text="harbour", since="2026-02-02", until="2026-02-02")
    )
    assert old.url.endswith("/1")
    conn.close()


@pytest.mark.parametrize("query", ["harbour", "story 7"])
def test_small_result_sets_rank_exactly_as_before(tmp_path, query):
    path = tmp_path / "old.db"
    version_3_archive(path, 30)
    open_database(path).close()
    conn = connect_readonly(path)
    hits = search_articles(conn, SearchQuery(text=query, limit=5))
    reference = conn.execute(
        "SELECT a.url FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
        " WHERE articles_fts MATCH ? ORDER BY articles_fts.rank, a.id LIMIT 5",
        [query],
    ).fetchall()
    assert [hit.url for hit in hits] == [row[0] for row in reference]
    conn.close()
