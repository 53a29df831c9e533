"""``archiver search``: FTS5 over the crawled sample sites, ranked, filtered, highlighted."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from storage.readonly import connect_readonly
from storage.search import SearchQuery, SearchSyntaxError, search_articles
from tests.archive_servers import query

FERRY_TITLE = "Council keeps Kellan Island ferry running with one-year subsidy"


@pytest.fixture
def db(sample_archive: Path) -> Path:
    """The shared sample archive's database: search only reads it (read-only connections)."""
    return sample_archive / "news.db"


def search(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["search", *args, "--db", str(db)])


def test_results_show_title_date_site_url_and_highlighted_snippet(db):
    result = search(db, "ferry")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    (row,) = query(db, "SELECT url, site FROM articles WHERE title = ?", FERRY_TITLE)
    assert lines[0] == FERRY_TITLE
    assert lines[1] == f"  2026-11-04 · {row['site']} · {row['url']}"
    assert "[ferry]" in lines[2]
    assert "\n" not in lines[2]


def test_results_are_ranked_like_fts5_and_json_has_url_and_title(db):
    result = search(db, "harbour OR ferry", "--json", "--limit", "50")
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    expected = query(
        db,
        "SELECT a.url, a.title FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH 'harbour OR ferry' ORDER BY articles_fts.rank, a.id",
    )
    assert len(expected) > 2
    assert [(h["url"], h["title"]) for h in hits] == [(r["url"], r["title"]) for r in expected]
    assert all(isinstance(h["author"], list) and h["author"] for h in hits)
    assert all("[" in h["snippet"] and "]" in h["snippet"] for h in hits)


def test_phrases_prefixes_and_column_filters_are_fts5_syntax(db):
    phrase = search(db, '"Kellan Island"', "--json")
    assert [json.loads(line)["title"] for line in phrase.stdout.splitlines()] == [FERRY_TITLE]
    assert search(db, "title:ferry", "--json").stdout.count("\n") == 1
    prefix = search(db, "ferr*", "--json").stdout.count("\n")
    assert prefix > search(db, "ferry", "--json").stdout.count("\n")


def test_site_language_date_and_limit_filters(db):
    sites = [r["site"] for r in query(db, "SELECT DISTINCT site FROM articles ORDER BY site")]
    assert len(sites) == 2

    def urls(*args: str) -> list[str]:
        result = search(db, "the", "--json", "--limit", "50", *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["url"] for line in result.stdout.splitlines()]

    everything = urls()
    assert len(everything) == query(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    one_site = urls("--site", sites[1])
    assert one_site and all(f"//{sites[1]}/" in url for url in one_site)
    assert len(one_site) < len(everything)
    assert urls("--lang", "de") == []
    assert len(urls("--lang", "en")) == len(everything)
    window = urls("--since", "2026-11-04", "--until", "2026-11-09")
    expected = query(
        db, "SELECT url FROM articles WHERE published BETWEEN '2026-11-04' AND '2026-11-09'"
    )
    assert sorted(window) == sorted(r["url"] for r in expected)
    assert 0 < len(window) < len(everything)
    assert len(urls("--limit", "3")) == 3


def test_no_match_says_so(db):
    result = search(db, "zeppelin")
    assert result.exit_code == 0
    assert result.stdout == "no articles match 'zeppelin'\n"
    assert search(db, "zeppelin", "--json").stdout == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('"ferry', "unterminated string"),
        ("harbour AND", 'fts5: syntax error near ""'),
    ],
)
def test_malformed_query_is_one_line_exit_2(db, text, reason):
    result = search(db, text)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: malformed search query {text!r}: {reason} (AND, OR, NOT need words on both"
        ' sides; close every "quote" and (parenthesis))\n'
    )


def test_plain_words_and_names_with_punctuation_just_work(db):
    def titles(text: str) -> list[str]:
        result = search(db, text, "--json", "--limit", "50")
        assert result.exit_code == 0, result.output
        return [json.loads(line)["title"] for line in result.stdout.splitlines()]

    # punctuation inside a word is a phrase of its parts, as the tokenizer splits the text
    assert titles("Kellan-Island") == titles('"Kellan Island"') == [FERRY_TITLE]
    assert titles("ferry's") == titles('"ferry s"')
    assert titles("one-year subsidy.") == [FERRY_TITLE]
    assert titles("O'Brien") == []  # no such name in the sample: no match, not an error
    assert titles("or") == titles('"or"')  # a lower-case operator is a word
    nothing = search(db, "*")
    assert nothing.exit_code == 2
    assert nothing.stderr == "Error: nothing to search for in '*': give at least one word\n"


def test_fts_syntax_still_works_for_those_who_use_it(db):
    def count(text: str) -> int:
        result = search(db, text, "--json", "--limit", "50")
        assert result.exit_code == 0, result.output
        return result.stdout.count("\n")

    ferry, harbour = count("ferry"), count("harbour")
    assert 0 < ferry < count("ferr*")
    assert count("ferry OR harbour") > max(ferry, harbour)
    assert 0 < count("harbour NOT council") < harbour
    assert count("NEAR(Kellan ferry, 3)") == 1
    assert count("NEAR(Kellan subsidy, 1)") == 0
    assert count("(ferry OR zeppelin) Kellan") == 1  # a group beside a word: AND
    assert count("title:subsidy") == 1


def test_missing_or_foreign_database_is_a_usage_error(db, tmp_path):
    missing = search(tmp_path / "none.db", "ferry")
    assert missing.exit_code == 2
    expected = f"Error: Invalid value for '--db': no archive at {tmp_path / 'none.db'}"
    assert expected in missing.stderr
    assert not (tmp_path / "none.db").exists()
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    foreign = search(other, "ferry")
    assert foreign.exit_code == 2
    assert "is not a news-archiver archive" in foreign.stderr
    assert "Traceback" not in foreign.output


def test_bad_date_is_rejected(db):
    result = search(db, "ferry", "--since", "2026-13-01")
    assert result.exit_code == 2
    assert "'--since'" in result.stderr


def test_library_search_reports_syntax_errors_and_never_writes(db):
    before = db.stat().st_mtime_ns
    conn = connect_readonly(db)
    try:
        hits = search_articles(conn, SearchQuery("ferry"))
        assert [hit.title for hit in hits] == [FERRY_TITLE]
        assert "\x02ferry\x03" in hits[0].snippet
        with pytest.raises(SearchSyntaxError):
            search_articles(conn, SearchQuery("   "))
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("DELETE FROM articles")
    finally:
        conn.close()
    assert db.stat().st_mtime_ns == before
