"""``archiver export``: a valid WACZ with the archive's pages; articles as JSONL and CSV."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from storage.readonly import ARTICLE_COLUMNS
from storage.warcread import warc_files
from tests.archive_servers import query


@pytest.fixture
def work(sample_archive: Path) -> Path:
    """The shared sample archive: export only reads it and writes its output elsewhere."""
    return sample_archive


def export(*args: str) -> Result:
    return CliRunner().invoke(cli, ["export", *args])


def articles(work: Path) -> dict[str, dict[str, object]]:
    rows = query(work / "news.db", "SELECT * FROM articles")
    return {row["url"]: dict(row) for row in rows}


@pytest.fixture(scope="module")
def wacz(sample_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared sample archive exported as a WACZ, written outside the archive's folder."""
    work = sample_archive
    out = tmp_path_factory.mktemp("export") / "news.wacz"
    args = ["wacz", str(out), "--db", str(work / "news.db"), "--warc-dir", str(work / "warcs")]
    result = export(*args)
    assert result.exit_code == 0, result.output
    warcs = len(warc_files(work / "warcs"))
    assert result.stdout == f"wrote {out}: {warcs} WARC files, 14 pages\n"
    return out


def test_wacz_passes_wacz_validate(wacz):
    check = subprocess.run(
        [sys.executable, "-c", "import sys; from wacz.main import main; sys.exit(main())",
         "validate", "-f", str(wacz)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "validation succeeded" in check.stdout.lower()


def test_wacz_pages_come_from_the_archive(work, wacz):
    stored = articles(work)
    with zipfile.ZipFile(wacz) as archive:
        names = set(archive.namelist())
        lines = archive.read("pages/pages.jsonl").decode().splitlines()
        index = gzip.decompress(archive.read("indexes/index.cdx.gz")).decode()
    assert {"datapackage.json", "datapackage-digest.json", "indexes/index.idx"} <= names
    warcs = sorted(p.name for p in (work / "warcs").glob("*.warc.gz"))
    assert sorted(n.removeprefix("archive/") for n in names if n.startswith("archive/")) == warcs
    header = json.loads(lines[0])
    assert header["format"] == "json-pages-1.0"
    assert header["hasText"] is True
    pages = [json.loads(line) for line in lines[1:]]
    assert sorted(page["url"] for page in pages) == sorted(stored)
    for page in pages:
        row = stored[page["url"]]
        assert page["title"] == row["title"]
        assert page["text"] == row["text"]
        assert page["ts"] == row["fetched_at"]
        assert page["url"] in index  # the page's capture is in the WACZ's index


def test_wacz_skips_articles_whose_warc_file_is_elsewhere(work, tmp_path):
    (tmp_path / "w").mkdir()
    empty = export("wacz", str(tmp_path / "x.wacz"), "--db", str(work / "news.db"),
                   "--warc-dir", str(tmp_path / "w"))  # fmt: skip
    assert empty.exit_code == 1
    assert empty.stderr == f"Error: no WARC files in {tmp_path / 'w'}\n"
    assert not (tmp_path / "x.wacz").exists()
    no_dir = export("wacz", str(tmp_path / "x.wacz"), "--db", str(work / "news.db"),
                    "--warc-dir", str(tmp_path / "nowhere"))  # fmt: skip
    assert no_dir.exit_code == 2


def test_jsonl_writes_every_article(work, tmp_path):
    out = tmp_path / "articles.jsonl"
    result = export("jsonl", str(out), "--db", str(work / "news.db"))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 14 articles to {out}\n"
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    stored = articles(work)
    assert len(rows) == 14
    for row in rows:
        assert list(row) == [*ARTICLE_COLUMNS, "images"]
        assert row["author"] == json.loads(str(stored[row["url"]]["author"]))
        assert row["text"] == stored[row["url"]]["text"]
    assert any(row["images"] for row in rows)  # the sample sites' lead photos


def test_jsonl_to_stdout_for_one_site(work):
    site = query(work / "news.db", "SELECT site FROM articles ORDER BY site LIMIT 1")[0]["site"]
    result = export("jsonl", "--site", site, "--db", str(work / "news.db"))
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(row["site"] == site for row in rows)
    assert len(rows) < 14
    assert result.stderr == f"wrote {len(rows)} articles to -\n"


def test_csv_round_trips(work, tmp_path):
    out = tmp_path / "articles.csv"
    result = export("csv", str(out), "--db", str(work / "news.db"))
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == list(ARTICLE_COLUMNS)
    stored = articles(work)
    assert len(rows) == 14
    for row in rows:
        assert row["text"] == stored[row["url"]]["text"]  # multi-line text survives quoting
        assert json.loads(row["author"]) == json.loads(str(stored[row["url"]]["author"]))


def test_export_needs_an_existing_archive(tmp_path):
    result = export("csv", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2
    assert "no archive at" in result.stderr
    assert result.stdout == ""
