"""A crawl meets bad input: refused connections, 404, 500, non-HTML, bad charsets, empty pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.warcread import verify_warc
from tests.conftest import closed_port, rows, run_archiver
from tests.faultsite import fault_site


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    work = tmp_path_factory.mktemp("faults")
    with fault_site() as site:
        refused = f"http://127.0.0.4:{closed_port('127.0.0.4')}/"
        result = run_archiver("crawl", site.url, refused, "--db", "a.db", cwd=work)
        yield work, site.url, result.stdout + result.stderr
        assert result.returncode == 0, result.stderr[-3000:]


def test_the_crawl_finishes_and_counts_each_kind_of_error(faulty_crawl: tuple[Path, str, str]):
    work, _, output = faulty_crawl
    (crawl,) = rows(work / "a.db", "SELECT * FROM crawls")
    assert crawl["status"] == "finished"
    kinds = json.loads(crawl["error_kinds"])
    assert kinds["http 404"] == 1
    assert kinds["http 500"] >= 1
    assert kinds["ConnectionRefusedError"] == 1
    assert "http 404: 1" in output
    assert "ConnectionRefusedError" in output
    assert "Traceback" not in output


def test_every_response_is_captured_even_errors_and_images(faulty_crawl: tuple[Path, str, str]):
    work, url, _ = faulty_crawl
    captured = {row["url"]: row for row in rows(work / "a.db", "SELECT * FROM captures")}
    assert captured[url + "news/2026/11/missing.html"]["status"] == 404
    assert captured[url + "news/2026/11/broken.html"]["status"] == 500
    assert captured[url + "media/chart.png"]["mime"] == "image/png"
    assert captured[url + "news/2026/11/empty.html"]["content_length"] == 0
    for path in (work / "warcs").glob("*.warc.gz"):
        assert verify_warc(path) > 0


def test_wrong_declared_charsets_are_decoded_by_what_the_bytes_are(
    faulty_crawl: tuple[Path, str, str],
):
    work, url, _ = faulty_crawl
    articles = {row["url"]: row for row in rows(work / "a.db", "SELECT * FROM articles")}
    for name in ("cafe-says-utf8.html", "cafe-says-latin1.html"):
        article = articles[url + "news/2026/11/" + name]
        assert article["title"] == "Café owners count the cost of parking rules"
        assert "Zoë Marchetti" in article["text"]
        assert "\ufffd" not in article["text"] and "Ã" not in article["text"]


def test_nothing_wrong_is_stored(faulty_crawl: tuple[Path, str, str]):
    work, url, _ = faulty_crawl
    stored = {row["url"] for row in rows(work / "a.db", "SELECT url FROM articles")}
    assert stored == {
        url + "news/2026/11/cafe-says-utf8.html",
        url + "news/2026/11/cafe-says-latin1.html",
        url + "news/2026/11/council-budget.html",
    }
