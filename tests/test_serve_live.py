"""``archiver serve`` beside a crawl that writes the archive, and the limits of served SQL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests import newssite
from tests.archive_servers import ArchiverServer, fetch, free_port, query
from tests.conftest import REPO, run_archiver
from tests.siteserver import SiteServer
from tests.test_crawl_resume import start_and_kill

CRAWL = ("--db", "a.db", "--warc-dir", "w", "-s", "AUTOTHROTTLE_ENABLED=False")
PATHS = [  # what a reader asks of Datasette; the first counts the captures
    "/a.json?_shape=array&sql=" + quote("select count(*) as n from captures"),
    "/a/articles.json?_size=5",
    "/a/articles.json?_search=story",
    "/a/captures.json?_sort_desc=id&_size=5",
    "/a/search.json?q=story",
    "/a.json",
]


def sql(server: ArchiverServer, database: str, text: str) -> tuple[int, dict[str, object]]:
    """Status and JSON body of a SQL query run through Datasette."""
    status, _, body = fetch(f"{server.base}/{database}.json?_shape=array&sql={quote(text)}")
    return status, json.loads(body) if body.startswith((b"[", b"{")) else {"raw": body}


def datasette_rss_kb(server: ArchiverServer) -> int:
    """Peak resident memory of the Datasette process that ``archiver serve`` started."""
    assert server.process is not None
    pid = server.process.pid
    (child,) = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    status = Path(f"/proc/{child}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1])


def start_crawl(work: Path, site: SiteServer) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "archiver", "crawl", site.url, *CRAWL],
        cwd=work, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def checkpoint(db: Path) -> None:
    """Copy the WAL's commits into the database file, as SQLite does every 1000 pages of WAL:
    a crawl longer than this test's rewrites the file under its readers all the time."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


def wait_for_captures(db: Path, crawl: subprocess.Popen[bytes], at_least: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and crawl.poll() is None:
        try:
            if query(db, "SELECT count(*) AS n FROM captures")[0]["n"] >= at_least:
                return
        except Exception:  # noqa: BLE001 - the crawl has not made its tables yet
            pass
        time.sleep(0.05)
    raise AssertionError("the crawl did not get going")


def test_a_live_archive_is_served_without_a_failed_request(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.65", delay=0.3)  # ~100 pages, 4 at a time: several seconds
    newssite.build_many(site, 100)
    paths = PATHS
    failures: list[tuple[str, int, bytes]] = []
    counts: list[int] = []
    with site:
        crawl = start_crawl(tmp_path, site)
        try:
            wait_for_captures(tmp_path / "a.db", crawl, 3)
            port = free_port()
            with ArchiverServer(["serve", "--db", "a.db"], port, tmp_path, "/a.json") as server:
                (database,) = json.loads(fetch(server.base + "/-/databases.json")[2])
                during = 0
                for number in range(300):  # bounded: at most 300 requests
                    if crawl.poll() is not None:
                        break
                    if number % 3 == 0:
                        checkpoint(tmp_path / "a.db")
                    path = paths[number % len(paths)]
                    status, _, body = fetch(server.base + path)
                    during += 1
                    if status != 200:
                        failures.append((path, status, body[:300]))
                    elif number % len(paths) == 0:
                        counts.append(json.loads(body)[0]["n"])
                assert crawl.wait(timeout=120) == 0
                _, final = sql(server, "a", "select count(*) as n from captures")
                output = server.output()
        finally:
            if crawl.poll() is None:
                os.killpg(crawl.pid, signal.SIGKILL)
                crawl.wait()
    assert failures == []
    assert "live (a crawl holds it)" in output
    assert database["is_mutable"] is True  # read-only, but following the WAL
    assert during >= 50, f"only {during} requests while the crawl ran"
    assert counts == sorted(counts) and counts[-1] > counts[0]  # each commit shows up
    assert final == [{"n": query(tmp_path / "a.db", "SELECT count(*) AS n FROM captures")[0]["n"]}]


def test_a_crawl_that_starts_under_an_immutable_server_turns_it_live(tmp_path: Path) -> None:
    first, second = SiteServer("127.0.0.67"), SiteServer("127.0.0.68", delay=0.3)
    newssite.build_many(first, 10)
    newssite.build_many(second, 100)
    errors: list[tuple[str, int, bytes]] = []
    refused = 0
    with first, second:
        assert run_archiver("crawl", first.url, *CRAWL, cwd=tmp_path).returncode == 0
        with ArchiverServer(["serve", "--db", "a.db"], free_port(), tmp_path, "/a.json") as server:
            assert "read-only at" in server.output()
            crawl = start_crawl(tmp_path, second)
            try:
                counts = []
                for number in range(600):  # bounded: at most 600 requests, 30 s and more
                    if crawl.poll() is not None:
                        break
                    time.sleep(0.05)  # the crawl takes seconds to start: keep asking till it ends
                    if number % 3 == 0:
                        checkpoint(tmp_path / "a.db")
                    path = PATHS[number % len(PATHS)]
                    try:
                        status, _, body = fetch(server.base + path)
                    except OSError:  # the one restart, from immutable to live
                        refused += 1
                        time.sleep(0.1)
                        continue
                    if status != 200:
                        errors.append((path, status, body[:300]))
                    elif path == PATHS[0] and "serving it live" in server.output():
                        counts.append(json.loads(body)[0]["n"])
                assert crawl.wait(timeout=120) == 0
            finally:
                if crawl.poll() is None:
                    os.killpg(crawl.pid, signal.SIGKILL)
                    crawl.wait()
            output = server.output()
    assert errors == []  # never "database disk image is malformed"
    assert "A crawl is writing the archive: serving it live from now on" in output
    assert refused < 100  # a few seconds of restart at most
    assert len(counts) > 10, output
    assert counts == sorted(counts) and counts[-1] > counts[0]


def test_an_archive_a_killed_crawl_left_is_served_immutable(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.66", delay=0.01)
    newssite.build_many(site, 150)
    with site:
        start_and_kill(tmp_path, site, snapshot_at=10, after=80)
    db = tmp_path / "a.db"
    assert (tmp_path / "a.db-wal").exists()  # the killed crawl's log, never folded in
    with ArchiverServer(["serve", "--db", "a.db"], free_port(), tmp_path, "/a.json") as server:
        assert f"Serving {Path('a.db')} read-only" in server.output()
        (database,) = json.loads(fetch(server.base + "/-/databases.json")[2])
        assert database["is_mutable"] is False
        _, served = sql(server, "a", "select count(*) as n from captures")
        assert not (tmp_path / "a.db-wal").exists()  # folded in before Datasette opened it
    stored = query(db, "SELECT count(*) AS n FROM captures")[0]["n"]
    assert stored > 20 and served == [{"n": stored}]


@pytest.fixture(scope="module")
def server(
    sample_archive: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ArchiverServer]:
    """Datasette over the shared sample archive (immutable: nothing is written in it)."""
    logs = tmp_path_factory.mktemp("serve-limits-logs")
    args = ["serve", "--db", "news.db"]
    with ArchiverServer(args, free_port(), sample_archive, "/news.json", log_dir=logs) as served:
        yield served


def test_one_huge_function_call_is_refused_fast_and_small(server: ArchiverServer) -> None:
    before = datasette_rss_kb(server)
    started = time.monotonic()
    sql(server, "news", "select 1")
    trivial = time.monotonic() - started
    started = time.monotonic()
    status, body = sql(server, "news", "select length(hex(zeroblob(400000000))) as n")
    elapsed = time.monotonic() - started
    assert status == 400 and "string or blob too big" in str(body)
    assert elapsed < trivial + 0.5  # refused at once (it ran 2.8 s unlimited)
    assert datasette_rss_kb(server) - before < 50_000  # its peak: not the 2 GB it took unlimited
    status, body = sql(server, "news", "select length(hex(zeroblob(1000000))) as n")
    assert (status, body) == (200, [{"n": 2_000_000}])  # ordinary sizes still work


def test_fts3_tokenizer_is_denied(server: ArchiverServer) -> None:
    status, body = sql(server, "news", "select hex(fts3_tokenizer('simple')) as p")
    assert status == 400 and "not authorized" in str(body)
    status, body = sql(server, "news", "select upper(title) as t from articles limit 1")
    assert status == 200 and len(body) == 1  # other functions are not


def test_a_slow_query_still_hits_the_one_second_limit(server: ArchiverServer) -> None:
    slow = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    started = time.monotonic()
    status, body = sql(server, "news", slow)
    elapsed = time.monotonic() - started
    assert status == 400 and "SQL query took too long" in str(body)  # it would never end
    assert elapsed > 0.9
