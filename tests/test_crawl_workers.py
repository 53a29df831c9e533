"""Extraction workers under fire: killed mid-crawl, Ctrl-C in a terminal, the crawl killed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.warcread import verify_warc
from tests import newssite
from tests.conftest import rows
from tests.processes import alive, children, start_crawl, wait_for, workers
from tests.siteserver import SiteServer
from tests.test_crawl_resume import captures, response_records

ARGS = ("--db", "a.db", "--warc-dir", "w", "-s", "AUTOTHROTTLE_ENABLED=False")
LONGEST_LOG_LINE = 2000  # a page body is 5-400 KB: a line this long carries one


@contextmanager
def crawling(work: Path, site: SiteServer, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """The crawl of ``site`` running; killed with all its session when the test leaves early."""
    crawl = start_crawl(work, site.url, *ARGS, *args)
    try:
        yield crawl
    finally:
        if crawl.poll() is None:
            os.killpg(crawl.pid, signal.SIGKILL)
        crawl.wait(timeout=30)


def requested(site: SiteServer, count: int) -> None:
    wait_for(lambda: len(site.requests) >= count, 90, f"{count} requests")


def summary_articles(work: Path) -> int:
    found = re.search(r"articles stored: (\d+)", (work / "out.txt").read_text())
    assert found, (work / "out.txt").read_text()
    return int(found.group(1))


def test_pages_in_flight_when_a_worker_dies_are_extracted_again(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.71", delay=0.01)
    stories = newssite.build_many(site, 160)
    with site, crawling(tmp_path, site) as crawl:
        for count in (40, 100):  # two worker kills, with pages in flight each time
            requested(site, count)
            os.kill(workers(crawl.pid)[0], signal.SIGKILL)
        assert crawl.wait(timeout=180) == 0, (tmp_path / "err.txt").read_text()[-3000:]
    stored = {url for (url,) in rows(tmp_path / "a.db", "SELECT url FROM articles")}
    assert stored == {story.url(site.url) for story in stories}
    log = (tmp_path / "err.txt").read_text()
    assert max(len(line) for line in log.splitlines()) < LONGEST_LOG_LINE
    assert "Traceback" not in log
    assert log.count("starting new workers") == 2  # once per death
    assert summary_articles(tmp_path) == len(stories)


def test_workers_and_the_resource_tracker_die_with_a_killed_crawl(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.72", delay=0.02)
    newssite.build_many(site, 200)
    with site, crawling(tmp_path, site) as crawl:
        requested(site, 30)
        wait_for(lambda: len(workers(crawl.pid)) >= 2, 30, "two extraction workers")
        family = children(crawl.pid)
        assert len(family) >= 3  # the workers and multiprocessing's resource tracker
        try:
            os.kill(crawl.pid, signal.SIGKILL)  # the crawl alone, not its process group
            crawl.wait(timeout=10)
            wait_for(lambda: not any(alive(pid) for pid in family), 10, "orphans to exit")
        finally:
            for pid in family:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)


def test_ctrl_c_in_a_terminal_closes_the_crawl_as_sigterm_does(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.73", delay=0.02)
    newssite.build_many(site, 300)
    with site, crawling(tmp_path, site) as crawl:
        requested(site, 60)
        os.killpg(crawl.pid, signal.SIGINT)  # as a terminal does: the crawl and its workers
        assert crawl.wait(timeout=60) == 0, (tmp_path / "err.txt").read_text()[-3000:]
        stopped_at = len(site.requests)
    log = (tmp_path / "err.txt").read_text()
    assert "KeyboardInterrupt" not in log and "Traceback" not in log
    assert stopped_at < 250  # it stopped, not ran to the end
    db = tmp_path / "a.db"
    ((status, articles),) = rows(db, "SELECT status, articles FROM crawls")
    assert status == "shutdown"
    stored = rows(db, "SELECT capture_id FROM articles")
    assert 0 < len(stored) == summary_articles(tmp_path) == articles
    assert all(capture_id is not None for (capture_id,) in stored)
    # every article page fetched was extracted and stored: none lost with the workers
    fetched = rows(db, "SELECT count(*) FROM captures WHERE url LIKE '%/news/%'")[0][0]
    assert len(stored) == fetched


def test_a_second_ctrl_c_stops_fast_and_leaves_the_archive_whole(tmp_path: Path) -> None:
    # Responses slow enough that the graceful close is still waiting for them at the second Ctrl-C.
    site = SiteServer("127.0.0.74", delay=1.0)
    newssite.build_many(site, 300)
    with site, crawling(tmp_path, site, "-s", "CONCURRENT_REQUESTS=32") as crawl:
        requested(site, 60)
        os.killpg(crawl.pid, signal.SIGINT)
        family = children(crawl.pid)
        time.sleep(0.3)  # the first Ctrl-C is being handled
        os.killpg(crawl.pid, signal.SIGINT)
        code = crawl.wait(timeout=15)
        wait_for(lambda: not any(alive(pid) for pid in family), 10, "the workers to exit")
    log = (tmp_path / "err.txt").read_text()
    assert code == 1, log[-3000:]
    assert "KeyboardInterrupt" not in log and "Traceback" not in log
    assert "Error: the crawl was stopped by a second interrupt" in log
    db = tmp_path / "a.db"
    ((status,),) = rows(db, "SELECT status FROM crawls")
    assert status == "interrupted"
    stored = rows(db, "SELECT capture_id FROM articles")
    assert summary_articles(tmp_path) == len(stored)
    for path in (tmp_path / "w").glob("*.warc.gz"):
        verify_warc(path)
    assert sorted(captures(db)) == sorted(response_records(tmp_path / "w"))
