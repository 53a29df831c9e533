"""A crawl through every kind of bad input finishes, counts each kind, and archives what it got."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.warcread import verify_warc, warc_files
from tests.badsite import bad_site
from tests.conftest import rows, run_archiver
from tests.siteserver import SiteServer

# Limits lowered so that the 50 MB page, the gzip bomb and the dripping server are stopped fast.
LIMITS = (
    "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0",
    "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "REDIRECT_MAX_TIMES=5",
)  # fmt: skip
KINDS = {
    "TimeoutError": 1,  # the server dripping a byte a second
    "too large": 1,  # 50 MB streamed without a Content-Length
    "too large when decompressed": 2,  # a gzip bomb page, and a gzipped sitemap that is one
    "redirect loop": 1,
    "too many redirects": 1,
    "http 500": 1,
    "http 503": 1,
    "malformed feed": 1,
    "malformed sitemap": 2,  # broken XML, and an HTML page where a sitemap should be
    "xml served as html": 1,
    "html served as xml": 1,
    "invalid utf-8": 1,
    "robots.txt is html": 1,
}


@pytest.fixture(scope="module")
def bad_crawl(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, SiteServer, subprocess.CompletedProcess[str]]]:
    work = tmp_path_factory.mktemp("bad")
    with bad_site() as site:
        seeds = [site.url, site.url + "sitemap.xml"]
        result = run_archiver("crawl", *seeds, "--db", "a.db", "--warc-dir", "w", *LIMITS, cwd=work)
        yield work, site, result


def test_the_crawl_finishes_and_its_summary_lists_each_kind(bad_crawl) -> None:
    work, _, result = bad_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    for kind, count in KINDS.items():
        assert f"    {kind}: {count}\n" in result.stdout, kind
    (crawl,) = rows(work / "a.db", "SELECT status, errors, error_kinds FROM crawls")
    assert crawl["status"] == "finished"
    assert json.loads(crawl["error_kinds"]) == KINDS
    assert crawl["errors"] == sum(KINDS.values())
    assert "Traceback" not in result.stderr


def test_what_could_be_read_was_read(bad_crawl) -> None:
    work, site, _ = bad_crawl
    stored = {row["url"] for row in rows(work / "a.db", "SELECT url FROM articles")}
    assert {
        site.url + "news/from-feed.html",  # listed by the feed served as text/html
        site.url + "news/from-sitemap.html",  # recovered from the broken sitemap
        site.url + "page-as-xml.html",
        site.url + "invalid-utf8.html",
    } <= stored
    (text,) = rows(
        work / "a.db", f"SELECT text FROM articles WHERE url = '{site.url}invalid-utf8.html'"
    )
    assert "night ferry" in text["text"]


def test_size_limits_cut_downloads_short(bad_crawl) -> None:
    work, site, _ = bad_crawl
    captured = {row["url"]: row for row in rows(work / "a.db", "SELECT * FROM captures")}
    assert site.url + "huge.html" not in captured  # cancelled, never whole: nothing to archive
    assert site.url + "drip.html" not in captured
    bomb = captured[site.url + "bomb.html"]  # archived as sent: 100 KB that inflate to 100 MB
    assert bomb["content_length"] < 200_000
    files = warc_files(work / "w")
    assert files and all(verify_warc(path) > 0 for path in files)
