"""``archiver replay``: the CDXJ index, capture lookup and pywb serving the crawled sample sites."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archiver.crawl.settings
from archiver.cli import cli
from archiver.serving.replay import ReplayIndex, capture_timestamp, parse_timestamp
from tests.archive_servers import ArchiverServer, fetch, free_port, query
from tests.conftest import copy_archive

FERRY_TITLE = "Council keeps Kellan Island ferry running with one-year subsidy"
PAGE = "http://example.test/news/story.html"


@pytest.fixture(scope="module")
def work(sample_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample archive: replay writes its CDXJ index and pywb's config in the WARC
    folder, and a test adds a WARC file there, which the shared archive's readers must not see.
    """
    return copy_archive(sample_archive, tmp_path_factory.mktemp("replay"))


@pytest.fixture(scope="module")
def wayback(work: Path) -> Iterator[ArchiverServer]:
    """``archiver replay`` (pywb) over the module's copy of the archive."""
    args = ["replay", "--warc-dir", "warcs"]
    with ArchiverServer(args, free_port(), work, ready_path="/archive/") as server:
        yield server


def replay(*args: str) -> Result:
    return CliRunner().invoke(cli, ["replay", *args])


def write_warc(path: Path, captures: list[tuple[str, str, bytes]]) -> None:
    """A small WARC file of HTML responses: (url, WARC-Date, body)."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, date, body in captures:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)
            record.raw_stream.close()  # warcio spools the payload to compute its digest


def ferry(work: Path) -> tuple[str, str]:
    (row,) = query(
        work / "news.db", "SELECT url, fetched_at FROM articles WHERE title = ?", FERRY_TITLE
    )
    return row["url"], capture_timestamp(row["fetched_at"])


def test_url_prints_the_address_of_the_capture_itself(work):
    url, timestamp = ferry(work)
    result = replay("--url", url, "--warc-dir", str(work / "warcs"), "--port", "8123")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"http://127.0.0.1:8123/archive/{timestamp}mp_/{url}\n"


def test_at_picks_the_nearest_capture(tmp_path):
    write_warc(
        tmp_path / "a.warc.gz",
        [(PAGE, "2020-01-01T00:00:00Z", b"<p>old</p>"), (PAGE, "2024-06-01T12:00:00Z", b"new")],
    )
    write_warc(tmp_path / "b.warc.gz", [(PAGE, "2022-03-01T00:00:00Z", b"<p>middle</p>")])

    def address(*at: str) -> str:
        result = replay("--url", PAGE, "--warc-dir", str(tmp_path), *at)
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    assert address() == f"http://127.0.0.1:8080/archive/20240601120000mp_/{PAGE}"
    assert address("--at", "2020") == f"http://127.0.0.1:8080/archive/20200101000000mp_/{PAGE}"
    assert (
        address("--at", "2021-12-01") == f"http://127.0.0.1:8080/archive/20220301000000mp_/{PAGE}"
    )
    assert address("--at", "20231201") == f"http://127.0.0.1:8080/archive/20240601120000mp_/{PAGE}"
    # SURT matching, as pywb does: scheme and www. do not matter
    assert "20200101000000" in replay(
        "--url", "https://www.example.test/news/story.html", "--at", "2019",
        "--warc-dir", str(tmp_path),
    ).stdout  # fmt: skip


def test_index_follows_the_folder(tmp_path):
    write_warc(tmp_path / "a.warc.gz", [(PAGE, "2020-01-01T00:00:00Z", b"a")])
    index = ReplayIndex(tmp_path)
    first = index.refresh()
    assert (first.files, first.indexed, first.removed, first.captures) == (1, 1, 0, 1)
    assert index.refresh().indexed == 0  # unchanged files are not read again
    write_warc(tmp_path / "b.warc.gz", [(PAGE + "?2", "2021-01-01T00:00:00Z", b"b")])
    second = index.refresh()
    assert (second.files, second.indexed, second.captures) == (2, 1, 2)
    (tmp_path / "a.warc.gz").unlink()
    third = index.refresh()
    assert (third.files, third.indexed, third.removed, third.captures) == (1, 0, 1, 1)
    assert [p.name for p in index.index_dir.glob("*.cdxj")] == ["b.warc.gz.cdxj"]
    (line,) = index.lines()
    assert line.startswith("test,example)/news/story.html?2 20210101000000 {")


def test_index_holds_every_response_of_the_crawl(work):
    index = ReplayIndex(work / "warcs")
    index.refresh()
    responses = query(work / "news.db", "SELECT count(*) AS n FROM captures")[0]["n"]
    assert responses > 14
    assert sum(1 for _ in index.lines()) == responses


def test_lookup_errors_are_one_line(work, tmp_path):
    url, _ = ferry(work)
    missing = replay("--url", url + "?nope", "--warc-dir", str(work / "warcs"))
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: no capture of {url}?nope in {(work / 'warcs').resolve()}\n"
    no_dir = replay("--warc-dir", str(tmp_path / "nowhere"))
    assert no_dir.exit_code == 2
    assert "is not a folder of WARC files" in no_dir.stderr
    assert replay("--at", "2026", "--warc-dir", str(work / "warcs")).exit_code == 2
    bad_at = replay("--url", url, "--at", "2026-13-40", "--warc-dir", str(work / "warcs"))
    assert bad_at.exit_code == 2
    assert "'2026-13-40' is neither a timestamp" in bad_at.stderr


def test_missing_pywb_says_how_to_install_it(work, tmp_path, monkeypatch):
    monkeypatch.setattr(archiver.crawl.settings, "PYWB_VENV", str(tmp_path / "no-venv"))
    result = replay("--warc-dir", str(work / "warcs"), "--port", str(free_port()))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: pywb is not installed in {tmp_path / 'no-venv'}: run `make .venv-pywb/.installed`"
        " (or set PYWB_VENV to a virtualenv with pywb 2.10)\n"
    )


def test_parse_timestamp():
    assert parse_timestamp("2026") == "20260101000000"
    assert parse_timestamp("2026-11-27T20:07:39+01:00") == "20261127190739"
    with pytest.raises(ValueError):
        parse_timestamp("20261340")


def test_archived_article_replays_with_its_stylesheet_and_images(work, wayback):
    url, timestamp = ferry(work)
    live = urlsplit(url).netloc
    address = replay("--url", url, "--warc-dir", str(work / "warcs"), "--port", str(wayback.port))
    status, mime, body = fetch(address.stdout.strip())
    assert status == 200, body[:300]
    assert mime.startswith("text/html")
    page = body.decode()
    assert f'<h1 class="headline">{FERRY_TITLE}</h1>' in page
    css = f"/archive/{timestamp}cs_/http://{live}/static/style.css"
    assert f'<link rel="stylesheet" href="{css}">' in page
    images = re.findall(r'<img src="([^"]+)"', page)
    assert f"/archive/{timestamp}im_/http://{live}/static/photo-2.svg" in images
    # every link and resource stays inside the archive
    for target in re.findall(r'(?:href|src)="([^"]+)"', page):
        assert target.startswith(("/archive/", "#", "/static/", "data:")), target
    status, mime, sheet = fetch(wayback.base + css)
    assert status == 200
    assert mime.startswith("text/css")
    assert b"--navy: #14284b" in sheet
    for image in images:
        status, mime, _ = fetch(wayback.base + image)
        assert (status, mime.split(";")[0]) == (200, "image/svg+xml"), image


def test_unarchived_page_is_not_fetched_live(work, wayback):
    url, timestamp = ferry(work)
    live = urlsplit(url).netloc
    status, _, _ = fetch(f"{wayback.base}/archive/{timestamp}mp_/http://{live}/not-archived.html")
    assert status == 404


def test_a_new_warc_file_replays_once_indexed_without_a_restart(work, wayback):
    # what `archiver replay` does every REPLAY_REINDEX_INTERVAL seconds while it serves
    write_warc(
        work / "warcs" / "late.warc.gz", [(PAGE, "2026-01-02T03:04:05Z", b"<p>late news</p>")]
    )
    address = f"{wayback.base}/archive/20260102030405mp_/{PAGE}"
    assert fetch(address)[0] == 404
    assert ReplayIndex(work / "warcs").refresh().indexed == 1
    status, _, body = fetch(address)
    assert status == 200
    assert b"late news" in body
