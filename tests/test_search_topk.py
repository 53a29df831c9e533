"""Search ranks every match but snippets only the best: the same hits, in the same order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.readonly import connect_readonly
from storage.search import (
    ELLIPSIS,
    MARK_END,
    MARK_START,
    SNIPPET_TOKENS,
    SearchQuery,
    search_articles,
)
from storage.store import open_database

# The single-pass query search used before: snippet() for every match, then sort and limit.
REFERENCE = f"""
    SELECT a.url, snippet(articles_fts, -1, '{MARK_START}', '{MARK_END}', '{ELLIPSIS}',
           {SNIPPET_TOKENS}) AS snippet, articles_fts.rank AS score
    FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
    WHERE articles_fts MATCH ? AND (? IS NULL OR a.site = ?)
    ORDER BY articles_fts.rank, a.id LIMIT ?
"""


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """120 articles on three sites; many share a word, some with exactly the same text (ties)."""
    db = tmp_path / "a.db"
    database = open_database(db)
    rows = []
    for n in range(120):
        filler = " ".join(["ferry"] * (n % 7) + ["quay"] * (n % 5) + ["tide"] * 3)
        text = f"Harbour news {n % 4}. The council spoke. {filler}\nThe storm passed."
        site = f"site{n % 3}.example"
        rows.append((f"https://{site}/news/{n}", site, f"Story {n % 9}", text, "2026-11-27Z"))
    with database.conn:
        database.conn.executemany(
            "INSERT INTO articles (url, site, title, text, fetched_at) VALUES (?, ?, ?, ?, ?)", rows
        )
    database.close()
    return db


@pytest.mark.parametrize(
    ("text", "site", "limit"),
    [
        ("tide", None, 20),  # every article matches; ties everywhere
        ("ferry", None, 7),
        ("ferry OR quay", "site1.example", 10),
        ("harb*", None, 15),
        ('"council spoke"', "site2.example", 200),
        ("nothing", None, 5),
    ],
)
def test_same_hits_order_and_snippets_as_one_pass(
    archive: Path, text: str, site: str | None, limit: int
) -> None:
    conn = connect_readonly(archive)
    hits = search_articles(conn, SearchQuery(text=text, site=site, limit=limit))
    reference = sqlite3.connect(archive)
    expected = reference.execute(REFERENCE, (text, site, site, limit)).fetchall()
    assert [(h.url, h.snippet, h.score) for h in hits] == [
        (url, " ".join(snippet.split()), score) for url, snippet, score in expected
    ]
    every = reference.execute(REFERENCE, (text, site, site, -1)).fetchall()  # -1: no LIMIT
    reference.close()
    assert len(hits) == min(limit, len(every))


# The older-versions query as it was: snippet() for every matching version.
REFERENCE_OLDER = f"""
    WITH matches AS MATERIALIZED (
        SELECT rowid AS version_id, rank AS score,
               snippet(article_versions_fts, -1, '{MARK_START}', '{MARK_END}', '{ELLIPSIS}',
                       {SNIPPET_TOKENS}) AS snippet
        FROM article_versions_fts WHERE article_versions_fts MATCH :q
    ), current AS MATERIALIZED (
        SELECT rowid AS article_id FROM articles_fts WHERE articles_fts MATCH :q
    ), ranked AS (
        SELECT a.id AS article_id, a.url, v.version, m.score, m.snippet,
               row_number() OVER (PARTITION BY a.id ORDER BY v.version DESC) AS newest
        FROM matches m
        JOIN article_versions v ON v.id = m.version_id
        JOIN articles a ON a.id = v.article_id
        WHERE v.version < (SELECT max(version) FROM article_versions WHERE article_id = a.id)
          AND a.id NOT IN (SELECT article_id FROM current)
    )
    SELECT url, snippet, score, version FROM ranked WHERE newest = 1
    ORDER BY score, article_id LIMIT :limit
"""


@pytest.mark.parametrize(("text", "limit"), [("ferry", 5), ("ferry OR quay", 40), ("fer*", 3)])
def test_older_versions_same_hits_as_one_pass(archive: Path, text: str, limit: int) -> None:
    with sqlite3.connect(archive) as conn:  # three versions each: the ferry left in the last
        for version in (1, 2, 3):
            conn.execute(
                "INSERT INTO article_versions (article_id, version, title, text, fetched_at)"
                " SELECT id, ?, title, CASE WHEN ? < 3 THEN text || ' ferry' ELSE text END,"
                " fetched_at FROM articles",
                (version, version),
            )
        conn.execute("UPDATE articles SET text = replace(text, 'ferry', 'boat')")
    hits = search_articles(
        connect_readonly(archive), SearchQuery(text=text, limit=limit, older_versions=True)
    )
    expected = sqlite3.connect(archive).execute(REFERENCE_OLDER, {"q": text, "limit": limit})
    assert [(h.url, h.snippet, h.score, h.version) for h in hits] == [
        (url, " ".join(snippet.split()), score, version)
        for url, snippet, score, version in expected
    ]
    assert hits and all(h.version == 2 for h in hits)
