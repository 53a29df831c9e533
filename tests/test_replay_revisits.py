"""pywb resolves the archiver's WARC revisit records to the payload they refer to."""

from __future__ import annotations

import shutil
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path

from archiver.serving.loopback import SampleSite
from archiver.serving.replay import capture_timestamp
from tests.archive_servers import ArchiverServer, free_port, query
from tests.conftest import TEST_SITES, run_archiver

PAGE = "news/2026/10/council-approves-parking-meter-hike.html"
HEADLINE = "Council doubles downtown parking rates to fund Front Street repaving"


def test_a_revisit_replays_as_the_page_it_repeats(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(TEST_SITES / "appeal-news", root)
    with SampleSite(root, "127.0.0.9") as site:
        for extra in ([], ["-s", "CRAWL_REFRESH=True"]):
            args = ["crawl", site.url, "--db", "news.db", "--warc-dir", "w", *extra]
            result = run_archiver(*args, cwd=tmp_path)
            assert result.returncode == 0, result.stderr[-2000:]
    url = site.url + PAGE
    rows = query(
        tmp_path / "news.db",
        "SELECT record_type, fetched_at FROM captures WHERE url = ? ORDER BY id",
        url,
    )
    assert [row["record_type"] for row in rows] == ["response", "revisit"]
    revisit_at = capture_timestamp(rows[1]["fetched_at"])
    assert revisit_at != capture_timestamp(rows[0]["fetched_at"])

    located = run_archiver(
        "replay", "--url", url, "--at", revisit_at, "--warc-dir", "w", cwd=tmp_path
    )
    assert located.returncode == 0, located.stderr
    assert f"/archive/{revisit_at}mp_/{url}" in located.stdout

    args = ["replay", "--warc-dir", "w"]
    with ArchiverServer(args, free_port(), tmp_path, ready_path="/archive/") as server:
        address = f"{server.base}/archive/{revisit_at}mp_/{url}"
        with urllib.request.urlopen(address, timeout=20) as response:
            status, memento, body = (
                response.status,
                response.headers["Memento-Datetime"],
                response.read(),
            )
    assert status == 200
    # the capture served is the revisit itself, its body taken from the original response
    assert parsedate_to_datetime(memento).strftime("%Y%m%d%H%M%S") == revisit_at
    page = body.decode("utf-8", errors="replace")
    assert HEADLINE in page
    assert "Under an amendment approved at the same meeting" in page
