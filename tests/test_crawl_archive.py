"""End to end: crawl the bundled sample sites in a subprocess, then read back WARC and SQLite."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from dataclasses import astuple
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.extraction.extract import extract_article
from archiver.serving.loopback import SampleSite
from storage.extracted import encode_extracted
from storage.rows import ImageRow
from storage.warcread import read_response, verify_warc, warc_files
from tests.conftest import REPO, copy_archive, rows, run_archiver

FILENAME = re.compile(r"^archiver-.+-\d{17}-\d{5}\.warc\.gz$")


@pytest.fixture
def archive(
    sample_crawl: tuple[Path, subprocess.CompletedProcess[str]],
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The session's sample crawl: its folder and what ``archiver crawl`` printed."""
    return sample_crawl


def expected(site: SampleSite) -> dict[str, object]:
    root = Path(site.server.RequestHandlerClass.keywords["root"])  # type: ignore[attr-defined]
    data: dict[str, object] = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    return data


def crawled_warcs(work: Path) -> list[Path]:
    files = warc_files(work / "warcs")
    assert files
    return files


def test_summary_and_progress_are_reported(archive):
    _, result = archive
    assert "Crawl finished" in result.stdout
    assert "articles stored: 14" in result.stdout
    assert re.search(
        r"progress: \d+ pages, \d+ articles, \d+ errors, [\d.]+ pages/s", result.stderr
    )


def test_warc_files_are_whole_named_and_open_with_warcinfo(archive):
    work, _ = archive
    for path in crawled_warcs(work):
        assert FILENAME.match(path.name), path.name
        assert verify_warc(path) > 2
        check = subprocess.run(
            [str(Path(sys.executable).with_name("warcio")), "check", str(path)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        with gzip.open(path) as fh:
            first = next(iter(ArchiveIterator(fh)))
            assert first.rec_type == "warcinfo"
            info = first.content_stream().read().decode()
        assert first.rec_headers.get_header("WARC-Filename") == path.name
        for field in ("software:", "hostname:", "format: WARC File Format 1.1", "robots: obey"):
            assert field in info


def test_every_response_has_its_request_and_the_required_headers(archive):
    work, _ = archive
    for path in crawled_warcs(work):
        responses: dict[str, str] = {}
        requests: dict[str, str] = {}
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                headers = record.rec_headers
                if record.rec_type == "response":
                    assert record.rec_headers.protocol == "WARC/1.1"
                    for name in ("WARC-Target-URI", "WARC-Date", "WARC-IP-Address"):
                        assert headers.get_header(name), name
                    assert headers.get_header("WARC-Payload-Digest").startswith("sha1:")
                    responses[headers.get_header("WARC-Record-ID")] = headers["WARC-Target-URI"]
                elif record.rec_type == "request":
                    concurrent = headers.get_header("WARC-Concurrent-To")
                    requests[concurrent] = headers.get_header("WARC-Target-URI")
                    assert record.http_headers.get_header("Host")
        assert requests == responses


def test_gzip_bodies_are_kept_as_sent(archive, sample_sites):
    work, _ = archive
    site = sample_sites[0]
    url = site.url + "static/style.css"
    (row,) = rows(work / "news.db", "SELECT * FROM captures WHERE url = ?", url)
    stored = read_response(work / "warcs" / row["warc_filename"], row["warc_offset"])
    assert stored.header("Content-Encoding") == "gzip"
    assert stored.raw_body[:2] == b"\x1f\x8b"
    root = Path(site.server.RequestHandlerClass.keywords["root"])  # type: ignore[attr-defined]
    assert gzip.decompress(stored.raw_body) == (root / "static" / "style.css").read_bytes()
    assert "Transfer-Encoding" not in dict(stored.headers)


def test_every_capture_points_at_the_record_of_its_url(archive):
    work, _ = archive
    captures = rows(work / "news.db", "SELECT * FROM captures")
    assert len(captures) >= 40
    for row in captures:
        path = work / "warcs" / row["warc_filename"]
        with open(path, "rb") as fh:
            fh.seek(row["warc_offset"])
            member = fh.read(row["warc_length"])
        record_bytes = gzip.decompress(member)  # exactly one whole gzip member
        assert record_bytes.startswith(b"WARC/1.1\r\n")
        stored = read_response(path, row["warc_offset"])
        assert stored.url == row["url"]
        assert stored.record_id == row["warc_record_id"]
        assert stored.status == row["status"]


def test_page_requisites_and_robots_are_archived(archive, sample_sites):
    work, _ = archive
    urls = {row["url"] for row in rows(work / "news.db", "SELECT url FROM captures")}
    for site in sample_sites:
        assert site.url + "robots.txt" in urls
        assert site.url + "static/style.css" in urls
        assert any(url.startswith(site.url + "static/photo-") for url in urls)


def test_articles_match_the_pages_and_hubs_are_not_articles(archive, sample_sites):
    work, _ = archive
    db = work / "news.db"
    articles = {row["url"]: row for row in rows(db, "SELECT * FROM articles")}
    wanted: set[str] = set()
    for site in sample_sites:
        data = expected(site)
        for path, page in data["articles"].items():  # type: ignore[union-attr]
            url = site.url + path.lstrip("/")
            wanted.add(url)
            row = articles[url]
            assert row["title"] == page["title"]
            assert json.loads(row["author"]) == [page["author"]]
            assert row["published"] == page["published"]
            assert row["site"] == urlsplit(site.url).netloc
            assert row["language"] == "en"
            assert page["first_sentence"] in row["text"]
            assert page["last_sentence"] in row["text"]
        for hub in data["hubs"]:  # type: ignore[union-attr]
            (capture,) = rows(
                db, "SELECT kind FROM captures WHERE url = ?", site.url + hub.lstrip("/")
            )
            assert capture["kind"] == "hub"
    assert set(articles) == wanted
    kinds = rows(
        db, "SELECT DISTINCT c.kind FROM articles a JOIN captures c ON c.id = a.capture_id"
    )
    assert [row["kind"] for row in kinds] == ["article"]


def test_the_crawl_stores_what_extraction_returns_for_the_same_bytes(archive):
    work, _ = archive
    db = work / "news.db"
    sql = (
        "SELECT a.url, a.text, a.title, a.extracted, c.warc_filename, c.warc_offset"
        " FROM articles a JOIN captures c ON c.id = a.capture_id"
    )
    for row in rows(db, sql):
        stored = read_response(work / "warcs" / row["warc_filename"], row["warc_offset"])
        article = extract_article(stored.body, row["url"], stored.header("Content-Type"))
        assert article is not None
        blocks = (block.to_list() for block in article.blocks)
        images = [ImageRow(*astuple(image)) for image in article.images]
        assert encode_extracted(blocks, article.kept, article.reasons, images) == row["extracted"]
        assert article.title == row["title"]
        # the site layer only ever removes whole blocks of what extraction returned
        lines = iter(article.text.split("\n"))
        assert all(line in lines for line in row["text"].split("\n"))


def test_full_text_search_finds_an_article(archive):
    work, _ = archive
    hits = rows(
        work / "news.db",
        "SELECT a.url FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH ?",
        "apprentices",
    )
    assert any("apprentices" in row["url"] for row in hits)


def test_crawling_the_same_pages_again_does_not_duplicate_articles(archive, sample_sites, tmp_path):
    work = copy_archive(archive[0], tmp_path)  # this crawl writes: not in the shared archive
    db = work / "news.db"
    captures_before = len(rows(db, "SELECT id FROM captures"))
    seeds = [s.url for s in sample_sites]
    args = ["--db", "news.db", "--warc-dir", "warcs", "-s", "CRAWL_REFRESH=True"]
    result = run_archiver("crawl", *seeds, *args, cwd=work)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "unchanged: 14" in result.stdout
    assert len(rows(db, "SELECT id FROM articles")) == 14
    assert len(rows(db, "SELECT id FROM captures")) == 2 * captures_before
    second = rows(db, "SELECT * FROM captures WHERE crawl_id = 2 AND kind = 'article'")
    assert len(second) == 14
    assert {row["record_type"] for row in second} == {"revisit"}
    for row in second:
        original = rows(db, "SELECT * FROM captures WHERE id = ?", row["refers_to"])[0]
        assert original["url"] == row["url"] and original["record_type"] == "response"
        with open(work / "warcs" / row["warc_filename"], "rb") as fh:
            fh.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
        assert record.rec_type == "revisit"
        headers = record.rec_headers
        assert headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
        assert headers.get_header("WARC-Refers-To-Target-URI") == original["url"]
        assert headers.get_header("WARC-Refers-To-Date") == original["fetched_at"]
        assert headers.get_header("WARC-Payload-Digest") == original["payload_digest"]
    crawls = rows(db, "SELECT status, pages, articles FROM crawls ORDER BY id")
    assert [row["status"] for row in crawls] == ["finished", "finished"]
    assert crawls[0]["pages"] == captures_before


def test_scrapy_crawl_from_the_project_folder_uses_the_same_settings(sample_sites, tmp_path):
    result = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "site",
            "-a", f"seeds={sample_sites[1].url}",
            "-s", f"ARCHIVE_DB={tmp_path / 's.db'}",
            "-s", f"WARC_DIR={tmp_path / 'w'}",
        ],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(rows(tmp_path / "s.db", "SELECT id FROM articles")) == 7
    assert list((tmp_path / "w").glob("archiver-*.warc.gz"))
