"""``archiver export parquet``, and ``--since/--until/--site`` on every export."""

from __future__ import annotations

import json
import sqlite3
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from tests.archive_servers import query


def export(*args: str) -> Result:
    return CliRunner().invoke(cli, ["export", *args])


def tables(db: Path) -> list[str]:
    """The archive's tables a researcher gets: all but SQLite's and the full-text indexes'."""
    names = [row[0] for row in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return sorted(n for n in names if not n.startswith("sqlite_") and "_fts" not in n)


def table_rows(db: Path, table: str, where: str = "1", *params: object) -> list[dict[str, object]]:
    return [dict(row) for row in query(db, f"SELECT * FROM {table} WHERE {where}", *params)]


def day(article: dict[str, object]) -> str:
    """An article's day as the filters read it: published, else the day it was fetched."""
    return str(article["published"] or str(article["fetched_at"])[:10])


@pytest.fixture(scope="module")
def full(sample_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared sample archive exported whole, outside its folder."""
    out = tmp_path_factory.mktemp("parquet") / "out"
    result = export("parquet", str(out), "--db", str(sample_archive / "news.db"))
    assert result.exit_code == 0, result.output
    return out


def test_one_file_per_table_with_the_databases_rows(sample_archive, full):
    db = sample_archive / "news.db"
    names = tables(db)
    assert {"crawls", "captures", "articles", "article_versions", "article_images"} <= set(names)
    assert sorted(p.stem for p in full.glob("*.parquet")) == names  # no FTS index tables
    assert not list(full.glob("*.partial"))
    for name in names:
        table = pq.read_table(full / f"{name}.parquet")
        stored = table_rows(db, name)
        assert table.column_names == list(stored[0]) if stored else table.num_rows == 0
        assert table.num_rows == len(stored), name
        assert table.to_pylist() == stored, name  # every value equal, in the same order


def test_types_are_kept(full):
    articles = pq.read_schema(full / "articles.parquet")
    assert articles.field("id").type == pa.int64()
    assert articles.field("capture_id").type == pa.int64()
    for column in ("url", "text", "published", "fetched_at", "author", "extracted"):
        assert articles.field(column).type == pa.string(), column
    assert not articles.field("url").nullable  # NOT NULL in SQLite
    assert articles.field("title").nullable
    assert articles.field("fetched_at").metadata == {b"sqlite_type": b"TEXT"}
    assert articles.metadata[b"archiver.table"] == b"articles"
    assert articles.metadata[b"archiver.selection"] == b"everything"
    captures = pq.read_schema(full / "captures.parquet")
    for column in ("status", "warc_offset", "warc_length", "rendered"):
        assert captures.field(column).type == pa.int64(), column
    assert captures.field("fetched_at").type == pa.string()


def test_a_few_rows_read_back_as_sqlite_holds_them(sample_archive, full):
    db = sample_archive / "news.db"
    wanted = table_rows(db, "articles", "id IN (SELECT min(id) FROM articles UNION"
                        " SELECT max(id) FROM articles)")  # fmt: skip
    table = pq.read_table(full / "articles.parquet").to_pylist()
    by_id = {row["id"]: row for row in table}
    for row in wanted:
        got = by_id[row["id"]]
        assert got["text"] == row["text"]
        assert json.loads(got["author"] or "null") == json.loads(str(row["author"] or "null"))
        assert got["fetched_at"] == row["fetched_at"]  # ISO text, as stored
        assert isinstance(got["capture_id"], int)


def sites(db: Path) -> list[str]:
    return [row[0] for row in query(db, "SELECT DISTINCT site FROM articles ORDER BY site")]


def test_site_keeps_its_articles_their_rows_and_its_captures(sample_archive, tmp_path):
    db = sample_archive / "news.db"
    site = sites(db)[0]
    result = export("parquet", str(tmp_path), "--db", str(db), "--site", site)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith(f", site {site}) to {tmp_path}")
    articles = pq.read_table(tmp_path / "articles.parquet").to_pylist()
    assert articles == table_rows(db, "articles", "site = ? ORDER BY id", site)
    ids = {row["id"] for row in articles}
    assert 0 < len(ids) < len(table_rows(db, "articles"))
    versions = pq.read_table(tmp_path / "article_versions.parquet").to_pylist()
    assert versions
    assert {row["article_id"] for row in versions} == ids
    captures = pq.read_table(tmp_path / "captures.parquet").to_pylist()
    on_site = [
        row for row in table_rows(db, "captures") if urlsplit(str(row["url"])).netloc == site
    ]
    assert {row["id"] for row in captures} >= {row["id"] for row in on_site}
    referenced = {row["capture_id"] for row in articles + versions}
    assert referenced <= {row["id"] for row in captures}  # no dangling capture_id
    assert all(urlsplit(row["url"]).netloc == site or row["id"] in referenced for row in captures)
    crawls = pq.read_table(tmp_path / "crawls.parquet").to_pylist()
    assert {row["crawl_id"] for row in captures} <= {row["id"] for row in crawls}
    blocks = pq.read_table(tmp_path / "site_blocks.parquet").to_pylist()
    assert all(row["site"] == site for row in blocks)
    # the schedules table is exported whole (empty here), whatever the selection
    assert pq.read_table(tmp_path / "schedules.parquet").num_rows == len(
        table_rows(db, "schedules")
    )


def test_since_and_until_read_the_articles_day(sample_archive, tmp_path):
    db = sample_archive / "news.db"
    stored = table_rows(db, "articles")
    days = sorted({day(row) for row in stored})
    assert len(days) >= 3, days
    since, until = days[1], days[-2]
    kept = sorted(row["id"] for row in stored if since <= day(row) <= until)
    assert 0 < len(kept) < len(stored)
    out = tmp_path / "p"
    window = ["--since", since, "--until", until]
    assert export("parquet", str(out), "--db", str(db), *window).exit_code == 0
    exported = pq.read_table(out / "articles.parquet").column("id").to_pylist()
    assert exported == kept
    assert pq.read_schema(out / "articles.parquet").metadata[b"archiver.selection"] == (
        f"{since} to {until}".encode()
    )
    jsonl = export("jsonl", "--db", str(db), *window)
    assert jsonl.exit_code == 0, jsonl.output
    assert [json.loads(line)["id"] for line in jsonl.stdout.splitlines()] == kept
    assert jsonl.stderr == f"wrote {len(kept)} articles to -\n"
    csv = export("csv", "--db", str(db), "--since", since)
    assert csv.stderr == f"wrote {sum(day(r) >= since for r in stored)} articles to -\n"


def test_captures_follow_their_fetch_day(sample_archive, tmp_path):
    db = sample_archive / "news.db"
    fetched = max(str(row["fetched_at"])[:10] for row in table_rows(db, "captures"))
    later = f"{int(fetched[:4]) + 1}{fetched[4:]}"
    result = export("parquet", str(tmp_path), "--db", str(db), "--since", later)
    assert result.exit_code == 0, result.output
    for name in ("articles", "captures", "article_versions", "crawls"):
        assert pq.read_table(tmp_path / f"{name}.parquet").num_rows == 0, name
    assert "articles.parquet: 0 rows" in result.stdout


def test_wacz_keeps_the_selected_pages(sample_archive, tmp_path):
    db = sample_archive / "news.db"
    site = sites(db)[1]
    out = tmp_path / "site.wacz"
    result = export("wacz", str(out), "--db", str(db), "--warc-dir",
                    str(sample_archive / "warcs"), "--site", site)  # fmt: skip
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as wacz:
        lines = wacz.read("pages/pages.jsonl").decode().splitlines()[1:]
    urls = sorted(json.loads(line)["url"] for line in lines)
    assert urls == sorted(str(row["url"]) for row in table_rows(db, "articles", "site = ?", site))
    none = export("wacz", str(tmp_path / "x.wacz"), "--db", str(db), "--warc-dir",
                  str(sample_archive / "warcs"), "--site", "nowhere.test")  # fmt: skip
    assert none.exit_code == 1
    assert none.stderr == (
        f"Error: no WARC file of {sample_archive / 'warcs'} holds site nowhere.test\n"
    )


def test_an_empty_range_is_a_usage_error(sample_archive, tmp_path):
    db = sample_archive / "news.db"
    for kind in ("parquet", "jsonl"):
        args = [str(tmp_path / "o")] if kind == "parquet" else []
        result = export(
            kind, *args, "--db", str(db), "--since", "2026-11-02", "--until", "2026-11-01"
        )
        assert result.exit_code == 2
        assert (
            "Invalid value for '--until': 2026-11-01 is before --since 2026-11-02" in result.stderr
        )
    assert not (tmp_path / "o").exists()


def test_missing_pyarrow_is_one_line(sample_archive, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what import finds when it is not installed
    result = export("parquet", str(tmp_path / "o"), "--db", str(sample_archive / "news.db"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Parquet export needs pyarrow, which is not installed:"
        " pip install 'news-archiver[parquet]'\n"
    )


def test_a_value_of_the_wrong_type_names_its_column(sample_archive, tmp_path):
    db = tmp_path / "odd.db"
    source_uri = f"{(sample_archive / 'news.db').as_uri()}?mode=ro"
    with sqlite3.connect(source_uri, uri=True) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE captures SET status = 'teapot' WHERE id = 1")
    result = export("parquet", str(tmp_path / "o"), "--db", str(db))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write {tmp_path / 'o' / 'captures.parquet'}:")
    assert "captures.status" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "o" / "captures.parquet.partial").exists()


def test_tables_are_written_in_batches(sample_archive, tmp_path, monkeypatch):
    import archiver.serving.parquet as parquet
    from storage.readonly import ArchiveReader

    monkeypatch.setattr(parquet, "FETCH_ROWS", 7)
    monkeypatch.setattr(parquet, "BATCH_BYTES", 1)  # every fetch makes a row group
    db = sample_archive / "news.db"
    seen: list[tuple[str, int, int]] = []
    with ArchiveReader(db) as reader:
        written = parquet.export_parquet(reader, tmp_path, progress=lambda *a: seen.append(a))
    captures = table_rows(db, "captures")
    assert len(captures) > 14
    file = pq.ParquetFile(tmp_path / "captures.parquet")
    assert file.metadata.num_row_groups == -(-len(captures) // 7)
    assert file.read().to_pylist() == captures
    done = [d for table, d, total in seen if table == "captures" and total == len(captures)]
    assert done == list(range(7, len(captures), 7)) + [len(captures)]
    assert {w.table: w.rows for w in written}["captures"] == len(captures)


def test_the_export_is_one_moment_of_an_archive_being_written(sample_archive, tmp_path):
    from archiver.serving.parquet import export_parquet
    from storage.readonly import ArchiveReader

    db = tmp_path / "live.db"
    source_uri = f"{(sample_archive / 'news.db').as_uri()}?mode=ro"
    with sqlite3.connect(source_uri, uri=True) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    before = {name: len(table_rows(db, name)) for name in ("articles", "captures")}
    writer = sqlite3.connect(db)

    def crawl_writes(table: str, done: int, total: int) -> None:
        if table == "article_images":  # the first file: a crawl commits a capture and article
            with writer:
                writer.execute(
                    "INSERT INTO captures (url, status, fetched_at, warc_filename, warc_offset,"
                    " warc_length) VALUES ('http://x.test/a', 200, '2026-11-28T07:00:00Z',"
                    " 'x.warc.gz', 0, 10)"
                )
                writer.execute(
                    "INSERT INTO articles (url, site, text, fetched_at, capture_id) VALUES"
                    " ('http://x.test/a', 'x.test', 'late', '2026-11-28T07:00:00Z',"
                    " last_insert_rowid())"
                )

    with ArchiveReader(db) as reader:
        export_parquet(reader, tmp_path / "o", progress=crawl_writes)
    writer.close()
    assert len(table_rows(db, "articles")) == before["articles"] + 1  # the write went in
    for name, count in before.items():
        assert pq.read_table(tmp_path / "o" / f"{name}.parquet").num_rows == count, name
