"""Kill a crawl job with SIGKILL, start it again, and find nothing fetched or stored twice."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from storage.warcread import verify_warc
from tests import newssite
from tests.conftest import REPO, rows, run_archiver
from tests.siteserver import SiteServer, redirect, reply

PAGES = 300
ARGS = ("--db", "a.db", "--warc-dir", "w", "--job", "nightly", "-s", "AUTOTHROTTLE_ENABLED=False")


def response_records(warcs: Path) -> list[tuple[str, int, str]]:
    """(file, offset, url) of every response and revisit record in the WARC folder."""
    found = []
    for path in sorted(warcs.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type in {"response", "revisit"}:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found.append((path.name, records.get_record_offset(), url))
    return found


def captures(db: Path) -> list[tuple[str, int, str]]:
    found = rows(db, "SELECT warc_filename, warc_offset, url FROM captures")
    return [(name, offset, url) for name, offset, url in found]


def snapshot(db: Path, copy: Path) -> None:
    """A consistent copy of the database as it is now (SQLite's online backup)."""
    source, target = sqlite3.connect(db), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def lose_commits_since(db: Path, copy: Path) -> None:
    """Put back the database of ``snapshot``: every commit made after it is lost."""
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(copy.read_bytes())


def start_and_kill(work: Path, site: SiteServer, snapshot_at: int, after: int) -> None:
    """Start the job, snapshot its database at one point, SIGKILL it (and its workers) later."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "archiver", "crawl", site.url, *ARGS]
    crawl = subprocess.Popen(
        command, cwd=work, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        for count, then in ((snapshot_at, lambda: snapshot(work / "a.db", work / "snap.db")),
                            (after, lambda: None)):  # fmt: skip
            while len(site.requests) < count and crawl.poll() is None:
                assert time.monotonic() < deadline, "the crawl did not get going"
                time.sleep(0.02)
            assert crawl.poll() is None, "the crawl ended before it could be killed"
            then()
    finally:
        os.killpg(crawl.pid, signal.SIGKILL)  # the crawl's own process group: it and its workers
        crawl.wait(timeout=30)


def test_a_killed_job_resumes_without_fetching_or_storing_anything_twice(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.61", delay=0.01)
    stories = newssite.build_many(site, PAGES)
    with site:
        start_and_kill(tmp_path, site, snapshot_at=60, after=150)
        killed_at = len(site.requests)
        before = response_records(tmp_path / "w")
        assert 0 < len(before) < PAGES
        # as if the commits of the last ~90 pages were lost: the WARC files are the truth
        lose_commits_since(tmp_path / "a.db", tmp_path / "snap.db")
        assert len(captures(tmp_path / "a.db")) < len(before) - 50
        last = max((tmp_path / "w").glob("*.warc.gz"), key=lambda p: p.stat().st_mtime)
        with open(last, "ab") as fh:  # as if the kill had come in the middle of a record
            fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03half a record")

        result = run_archiver("crawl", site.url, *ARGS, cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        fetched_again = [path for path in site.paths()[killed_at:] if path != "/robots.txt"]

    archived_before = {url.removeprefix(site.url.rstrip("/")) for _, _, url in before}
    assert not set(fetched_again) & archived_before  # answered from the WARC files instead
    assert "previous run did not close" in result.stderr
    assert "job nightly: indexed" in result.stderr  # the records of the lost rows
    assert "resumed:" in result.stdout

    warcs = tmp_path / "w"
    for path in warcs.glob("*.warc.gz"):
        verify_warc(path)  # every file inflates whole, every digest checks
    records = response_records(warcs)
    per_url = Counter(url for _, _, url in records if not url.endswith("/robots.txt"))
    assert max(per_url.values()) == 1  # no URL fetched twice across both runs
    assert sorted(captures(tmp_path / "a.db")) == sorted(records)  # rows <=> records

    db = tmp_path / "a.db"
    stored = [url for (url,) in rows(db, "SELECT url FROM articles")]
    statuses = [status for (status,) in rows(db, "SELECT status FROM crawls ORDER BY id")]
    kinds = {url: kind for url, kind in rows(db, "SELECT url, kind FROM captures")}
    assert sorted(stored) == sorted(story.url(site.url) for story in stories)  # all, once each
    assert statuses == ["interrupted", "finished"]
    assert all(kinds[story.url(site.url)] == "article" for story in stories)


def test_a_stopped_job_continues_from_the_frontier_it_kept_on_disk(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.62", delay=0.01)
    stories = newssite.build_many(site, 60)
    with site:
        first = run_archiver("crawl", site.url, *ARGS, "--max-pages", "20", cwd=tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        assert (tmp_path / "jobs" / "nightly" / "requests.queue" / "active.json").exists()
        second = run_archiver("crawl", site.url, *ARGS, cwd=tmp_path)
        assert second.returncode == 0, second.stderr[-3000:]
    assert "Resuming crawl" in second.stderr  # Scrapy's queue, read back from JOBDIR
    assert "previous run did not close" not in second.stderr
    records = response_records(tmp_path / "w")
    per_url = Counter(url for _, _, url in records if not url.endswith("/robots.txt"))
    assert max(per_url.values()) == 1
    stored = {url for (url,) in rows(tmp_path / "a.db", "SELECT url FROM articles")}
    assert stored == {story.url(site.url) for story in stories}


def test_one_run_of_a_job_at_a_time(tmp_path: Path) -> None:
    jobdir = tmp_path / "jobs" / "nightly"
    jobdir.mkdir(parents=True)
    with open(jobdir / "lock", "a+") as lock:  # as a running crawl of the job holds it
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        result = run_archiver("crawl", "http://127.0.0.1:9/", *ARGS, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: job 'nightly' is already running"
    assert not (tmp_path / "w").exists() and not (jobdir / "running").exists()
    bad = run_archiver("crawl", "http://127.0.0.1:9/", "--job", "../up", cwd=tmp_path)
    assert bad.returncode == 2 and "job name '../up' must start with" in bad.stderr


def test_progress_of_a_resumed_job_never_shows_negative_pages(tmp_path: Path) -> None:
    # every story is linked through a redirect: read back from the WARC files, a redirect
    # becomes a new request, not a received response, and must not be taken off the pages
    site = SiteServer("127.0.0.63", delay=0.02)
    stories = newssite.build_many(site, 120)
    links = "".join(f"<li><a href='/go/{n}'>{s.title}</a></li>" for n, s in enumerate(stories))
    site.routes["/"] = reply(f"<!doctype html><html><body><ul>{links}</ul></body></html>")
    for number, item in enumerate(stories):
        site.routes[f"/go/{number}"] = redirect(item.path)
    progress = ("-s", "PROGRESS_INTERVAL=0.05", "-s", "LOG_LEVEL=INFO")
    with site:
        start_and_kill(tmp_path, site, snapshot_at=10, after=200)
        result = run_archiver("crawl", site.url, *ARGS, *progress, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    shown = [int(line.split("progress: ")[1].split()[0]) for line in result.stderr.splitlines()
             if "progress: " in line]  # fmt: skip
    assert len(shown) > 3 and min(shown) >= 0
    summary = [line for line in result.stdout.splitlines() if "pages:" in line][0]
    pages = int(summary.split("pages:")[1].split()[0])
    resumed = int(result.stdout.split("resumed: ")[1].split()[0])
    assert pages > 0 and resumed > 0
    (stored,) = rows(tmp_path / "a.db", "SELECT pages FROM crawls ORDER BY id DESC LIMIT 1")
    assert stored[0] == pages


def test_a_progress_interval_of_zero_turns_the_lines_off(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.64", delay=0.02)
    stories = newssite.build_many(site, 6)
    quiet = ("-s", "PROGRESS_INTERVAL=0", "-s", "LOG_LEVEL=INFO")
    with site:
        result = run_archiver("crawl", site.url, *ARGS, *quiet, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "progress: " not in result.stderr  # not one line per turn of the event loop
    (stored,) = rows(tmp_path / "a.db", "SELECT articles FROM crawls")
    assert stored[0] == len(stories)
