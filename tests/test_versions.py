"""A page edited between two crawls: revisits for what did not change, a version for what did."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from archiver.serving.loopback import SampleSite
from tests.conftest import TEST_SITES, rows, run_archiver

PAGE = "news/2026/10/council-approves-parking-meter-hike.html"
OLD = "The council also agreed to extend free"
NEW = "The council also voted, after a late amendment, to extend free"


@pytest.fixture
def edited_site(tmp_path: Path) -> str:
    """The appeal-news site crawled into ``a.db`` (WARCs in ``w/``) under ``tmp_path``, then
    crawled again after one sentence of ``PAGE`` was reworded; the site's base URL."""
    root = tmp_path / "site"
    shutil.copytree(TEST_SITES / "appeal-news", root)
    with SampleSite(root, "127.0.0.7") as site:
        first = run_archiver("crawl", site.url, "--db", "a.db", "--warc-dir", "w", cwd=tmp_path)
        assert first.returncode == 0, first.stderr[-2000:]
        page = root / PAGE
        page.write_text(page.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
        refresh = ["-s", "CRAWL_REFRESH=True"]  # archived articles are otherwise not refetched
        second = run_archiver(
            "crawl", site.url, "--db", "a.db", "--warc-dir", "w", *refresh, cwd=tmp_path
        )
        assert second.returncode == 0, second.stderr[-2000:]
    return site.url


def test_an_edited_article_gets_a_second_version_and_a_diff(
    tmp_path: Path, edited_site: str
) -> None:
    db = tmp_path / "a.db"
    url = edited_site + PAGE
    (text,) = rows(db, "SELECT text FROM articles WHERE url = ?", url)[0]
    assert NEW in str(text) and OLD not in str(text)
    versions = rows(
        db,
        "SELECT v.version, v.text FROM article_versions v JOIN articles a ON a.id = v.article_id"
        " WHERE a.url = ? ORDER BY v.version",
        url,
    )
    assert [v[0] for v in versions] == [1, 2]
    assert OLD in str(versions[0][1]) and NEW in str(versions[1][1])
    # every other article was a byte-identical revisit and kept its single version
    counts = rows(db, "SELECT article_id, count(*) FROM article_versions GROUP BY article_id")
    assert sorted(int(str(n)) for _, n in counts) == [1] * (len(counts) - 1) + [2]
    # the old wording is still found, in the older version only
    hits = rows(
        db,
        "SELECT v.version FROM article_versions_fts f JOIN article_versions v ON v.id = f.rowid"
        " WHERE article_versions_fts MATCH ?",
        '"late amendment"',
    )
    assert [tuple(hit) for hit in hits] == [(2,)]

    found = run_archiver(
        "search", '"agreed to extend"', "--older-versions", "--json", "--db", "a.db", cwd=tmp_path
    )
    assert found.returncode == 0, found.stderr
    (hit,) = [json.loads(line) for line in found.stdout.splitlines()]
    assert hit["url"] == url and hit["version"] == 1
    current = run_archiver("search", '"agreed to extend"', "--json", "--db", "a.db", cwd=tmp_path)
    assert current.stdout.strip() == ""
    newer = run_archiver(
        "search", '"late amendment"', "--older-versions", "--db", "a.db", cwd=tmp_path
    )
    assert newer.stdout.strip() == "no articles match '\"late amendment\"'"

    check_history_command(url, edited_site, tmp_path)


def check_history_command(url: str, site_url: str, cwd: Path) -> None:
    """``archiver history`` lists both versions of ``url`` and diffs the one reworded sentence;
    a version or an article that is not there is an error."""
    result = run_archiver("history", url, "--db", "a.db", cwd=cwd)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].lstrip().startswith("1 ") and lines[1].lstrip().startswith("2 ")
    assert any(line.startswith("-") and OLD in line for line in lines)
    assert any(line.startswith("+") and NEW in line for line in lines)
    changed = [
        line
        for line in lines
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert len(changed) == 2

    bad = run_archiver("history", url, "--db", "a.db", "--diff", "1", "7", cwd=cwd)
    assert bad.returncode == 2 and "no version 7 (this article has 2)" in bad.stderr
    missing = run_archiver("history", site_url + "nope.html", "--db", "a.db", cwd=cwd)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"Error: no article archived at {site_url}nope.html"
