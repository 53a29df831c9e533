"""``archiver serve``: Datasette over the crawled sample archive, immutable, with our metadata."""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.serving.datasette import TABLES, datasette_metadata
from archiver.serving.replay import capture_timestamp
from storage.search import fts_query
from tests.archive_servers import ArchiverServer, fetch, free_port, query
from tests.conftest import copy_archive

FERRY_TITLE = "Council keeps Kellan Island ferry running with one-year subsidy"
REPLAY_URL = "http://127.0.0.1:9/archive/"


@pytest.fixture(scope="module")
def served(
    sample_archive: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ArchiverServer, Path, str]]:
    """Datasette over the shared sample archive, with the database's digest before it started.

    Sharing is safe: Datasette opens it immutable, and serve's WAL fold finds no frames to fold
    in (the crawl closed the database); the server's log goes outside the archive.
    """
    work = sample_archive
    db = work / "news.db"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    args = ["serve", "--db", "news.db", "--replay-url", REPLAY_URL]
    logs = tmp_path_factory.mktemp("serve-logs")
    with ArchiverServer(args, free_port(), work, "/news.json", log_dir=logs) as server:
        yield server, db, digest


def get_json(server: ArchiverServer, path: str) -> Any:
    status, _, body = fetch(server.base + path)
    assert status == 200, body[:500]
    return json.loads(body)


def test_database_is_at_its_file_stem_and_immutable(served):
    server, db, digest = served
    (database,) = get_json(server, "/-/databases.json")
    assert database["name"] == "news"
    assert database["is_mutable"] is False
    assert fetch(server.base + "/news/articles")[0] == 200
    status, _, _ = fetch(server.base + "/news.json?sql=" + quote("delete from articles"))
    assert status != 200
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert query(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 14


def test_every_table_has_a_title_and_description(served):
    server, db, _ = served
    metadata = get_json(server, "/-/metadata.json")
    tables = metadata["databases"]["news"]["tables"]
    names = [r["name"] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    for name in names:
        if "_fts" in name:
            continue
        assert tables[name]["title"], name
        assert len(tables[name]["description"]) > 20, name


def test_unknown_tables_still_get_a_title_and_description():
    metadata = datasette_metadata("news", REPLAY_URL, ["articles", "future_table", "x_fts_data"])
    tables = metadata["databases"]["news"]["tables"]
    assert tables["future_table"]["title"] == "Future table"
    assert "docs/schema.md" in tables["future_table"]["description"]
    assert "x_fts_data" not in tables
    assert tables["articles"] == TABLES["articles"]


def test_articles_are_newest_first_with_facets(served):
    server, _, _ = served
    data = get_json(server, "/news/articles.json?_shape=objects&_size=max")
    rows = data["rows"]
    published = [row["published"] for row in rows]
    assert len(published) == 14
    assert published == sorted(published, reverse=True)
    facets = data["facet_results"]
    assert {"site", "language", "author", "published"} <= set(facets)
    authors = {item["value"] for item in facets["author"]["results"]}
    assert "Tomás Reilly" in authors  # the JSON array is faceted by its items
    languages = {item["value"]: item["count"] for item in facets["language"]["results"]}
    assert languages == {"en": 14}
    assert len(facets["site"]["results"]) == 2
    days = {item["value"] for item in facets["published"]["results"]}
    assert "2026-11-04" in days


def test_articles_have_a_page_type_facet(served):
    server, db, _ = served
    data = get_json(server, "/news/articles.json?_size=0")
    kinds = {item["value"]: item["count"] for item in data["facet_results"]["page_type"]["results"]}
    assert kinds == {"article": 14}  # every sample article page says og:type "article"
    assert kinds == {
        r["page_type"]: r["n"]
        for r in query(db, "SELECT page_type, count(*) AS n FROM articles GROUP BY page_type")
    }


def test_an_archive_from_before_page_type_is_served_without_its_facet(sample_archive, tmp_path):
    work = copy_archive(sample_archive, tmp_path)
    conn = sqlite3.connect(work / "news.db")
    with conn:  # the archive as schema version 5 left it; serve reads it and does not migrate
        conn.execute("DROP INDEX articles_page_type")
        conn.execute("ALTER TABLE articles DROP COLUMN page_type")
        conn.execute("PRAGMA user_version = 5")
    conn.close()
    args = ["serve", "--db", "news.db", "--replay-url", REPLAY_URL]
    with ArchiverServer(args, free_port(), work, "/news.json", log_dir=tmp_path) as server:
        assert fetch(server.base + "/news/articles")[0] == 200
        facets = get_json(server, "/news/articles.json?_size=0")["facet_results"]
    assert {"site", "language", "author", "published"} <= set(facets)
    assert "page_type" not in facets


def test_canned_search_reads_q_as_archiver_search_does(served):
    server, db, _ = served

    def canned(q: str) -> list[str]:
        path = "/news/search.json?_shape=objects&q=" + quote(q)
        return sorted(row["url"] for row in get_json(server, path)["rows"])

    def archived(q: str) -> list[str]:
        sql = "SELECT a.url FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        sql += " WHERE articles_fts MATCH ?"
        return sorted(row["url"] for row in query(db, sql, fts_query(q)))

    for q in ("Tanner's", "council's harbour", "Kellan Island", '"Kellan Island" OR ferry'):
        assert canned(q) == archived(q) != [], q
    assert canned("Tanner's *") == canned("Tanner's")  # a lone * is no syntax error
    assert canned("*") == canned("- ''") == []  # nothing to search for: no match


def test_full_text_search_on_articles(served):
    server, _, _ = served
    data = get_json(server, "/news/articles.json?_search=ferry&_shape=objects")
    assert [row["title"] for row in data["rows"]] == [FERRY_TITLE]


def test_article_rows_link_to_their_replay(served):
    server, db, _ = served
    (row,) = query(db, "SELECT url, fetched_at FROM articles WHERE title = ?", FERRY_TITLE)
    replay = f"{REPLAY_URL}{capture_timestamp(row['fetched_at'])}mp_/{row['url']}"
    assert len(capture_timestamp(row["fetched_at"])) == 14
    for path in ("/news/articles?_search=ferry", "/news/search?q=ferry", "/news/latest_articles"):
        status, _, body = fetch(server.base + path)
        assert status == 200
        assert f'<a class="replay" href="{replay}">replay</a>' in body.decode(), path


def test_canned_queries(served):
    server, db, _ = served
    latest = get_json(server, "/news/latest_articles.json?_shape=objects")["rows"]
    assert len(latest) == 14
    assert [r["day"] for r in latest] == sorted((r["day"] for r in latest), reverse=True)
    per_day = get_json(server, "/news/articles_per_site_per_day.json?_shape=objects")["rows"]
    assert sum(r["articles"] for r in per_day) == 14
    assert {r["site"] for r in per_day} == {
        r["site"] for r in query(db, "SELECT DISTINCT site FROM articles")
    }
    found = get_json(server, "/news/search.json?_shape=objects&q=" + quote('"Kellan Island"'))
    (hit,) = found["rows"]
    assert hit["title"] == FERRY_TITLE
    assert "[Kellan Island]" in hit["snippet"]
    empty = get_json(server, "/news/search.json?_shape=objects&q=")
    assert empty["rows"] == []


def test_serve_refuses_a_missing_archive_and_a_busy_port(served, tmp_path):
    _, db, _ = served
    runner = CliRunner()
    missing = runner.invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2
    assert "no archive at" in missing.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        busy = runner.invoke(cli, ["serve", "--db", str(db), "--port", str(port)])
    assert busy.exit_code == 2
    assert f"Error: Invalid value for '--port': 127.0.0.1:{port} is already in use" in busy.stderr


def test_stopping_the_command_stops_datasette(sample_sites, served, tmp_path):
    _, db, _ = served
    port = free_port()
    with ArchiverServer(["serve", "--db", str(db)], port, tmp_path, "/news.json") as server:
        assert "Serving" in server.output()
        process = server.process
        assert process is not None
        process.terminate()
        assert process.wait(timeout=15) == 0
        with pytest.raises(OSError):
            fetch(server.base + "/news.json", timeout=2)
