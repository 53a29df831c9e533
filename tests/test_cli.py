"""The CLI's contract: clear one-line errors and exit codes, and the extract command's formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from storage.store import ArticleStore
from tests.conftest import REPO, TEST_SITES

ARTICLE = (
    TEST_SITES / "appeal-news" / "news" / "2026" / "10" / "council-approves-parking-meter-hike.html"
)
FIRST = "The Northgate City Council voted 6-3 on Tuesday to double parking rates downtown"


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("missing-dir/archive.db", "directory missing-dir does not exist"),
        ("/proc/archive.db", "cannot open database /proc/archive.db"),
    ],
)
def test_an_unusable_db_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["crawl", "http://127.0.0.1:9/", "--db", db])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_db_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("this is not a database\n" * 100)
    result = CliRunner().invoke(cli, ["boilerplate", "--db", str(bogus)])
    assert result.exit_code == 2
    assert "file is not a database" in result.output


def test_a_bad_setting_override_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["crawl", "http://x/", "-s", "NOEQUALS", "--db", str(tmp_path / "a.db")]
    )
    assert result.exit_code == 2
    assert "expected NAME=VALUE, got 'NOEQUALS'" in result.output


def test_extract_prints_the_cleaned_text() -> None:
    result = CliRunner().invoke(cli, ["extract", str(ARTICLE)])
    assert result.exit_code == 0, result.output
    assert FIRST in result.output


def test_extract_json_and_markdown() -> None:
    url = "https://ledger.example/news/2026/10/council-approves-parking-meter-hike.html"
    result = CliRunner().invoke(cli, ["extract", str(ARTICLE), "--url", url, "--format", "json"])
    data = json.loads(result.output)
    assert data["url"] == url
    assert data["title"].startswith("Council doubles downtown parking rates")
    assert data["author"] == ["Ines Carvalho"]
    assert data["published"] == "2026-10-01"
    result = CliRunner().invoke(
        cli, ["extract", "-", "--format", "markdown"], input=ARTICLE.read_bytes()
    )
    assert result.output.startswith("# Council doubles downtown parking rates")
    assert f"\n\n{FIRST}" in result.output


def test_extract_of_a_page_without_an_article_fails_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("<html><head><title>x</title></head><body><img src='a.png'></body></html>")
    result = CliRunner().invoke(cli, ["extract", str(empty)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: no article text found in {empty}"


def test_search_loads_neither_scrapy_nor_trafilatura(tmp_path: Path) -> None:
    """``archiver search`` runs without the crawl's or extraction's code (0.5 s of imports)."""
    db = tmp_path / "a.db"
    ArticleStore(db).close()  # an empty archive
    probe = (
        "import sys\n"
        "from archiver.cli import cli\n"
        f"cli(['search', 'ferry', '--db', {str(db)!r}], standalone_mode=False)\n"
        "names = ('scrapy', 'twisted', 'trafilatura', 'lxml')\n"
        "print('heavy:', *sorted(name for name in names if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "heavy:"


READERS = [
    ["boilerplate"],
    ["reclean"],
    ["history", "https://example.org/a"],
    ["search", "ferry"],
    ["serve", "--port", "9"],
    ["export", "jsonl"],
    ["export", "csv"],
    ["export", "wacz", "out.wacz", "--warc-dir", "."],
    ["schedule", "list"],
    ["schedule", "remove", "nightly"],
    ["schedule", "run", "--once"],
]


@pytest.mark.parametrize("args", READERS, ids=lambda args: " ".join(args[:2]))
def test_commands_that_read_an_archive_refuse_a_missing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*args, "--db", "nope.db"])
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(
        "Error: Invalid value for '--db': no archive at nope.db"
        " (crawl into it first: archiver crawl --db)\n"
    )
    assert list(tmp_path.iterdir()) == []  # no empty database left behind
    command = [word for word in args[:2] if not word.startswith("-")]
    help_text = CliRunner().invoke(cli, [*command, "--help"]).stdout
    assert "(must exist)" in " ".join(help_text.split())
    assert "created if missing" not in help_text


def test_reextract_refuses_a_missing_warc_folder(tmp_path: Path) -> None:
    db = tmp_path / "rebuilt.db"
    result = CliRunner().invoke(
        cli, ["reextract", "--warc-dir", str(tmp_path / "nosuchdir"), "--db", str(db)]
    )
    assert result.exit_code == 2, result.output
    assert f"'--warc-dir': {tmp_path / 'nosuchdir'} is not a folder of WARC files" in result.stderr
    assert not db.exists()


def test_crawl_and_schedule_add_say_the_same_of_max_pages() -> None:
    def option_help(*command: str) -> str:
        text = CliRunner().invoke(cli, [*command, "--help"]).stdout
        block = text[text.index("  --max-pages") :].split("\n  -")[0]
        return " ".join(block.split()[3:])

    assert option_help("crawl") == option_help("schedule", "add")
    assert "requests (robots.txt not counted" in option_help("crawl")
