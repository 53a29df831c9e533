"""Shared fixtures: real HTTP servers on loopback, and the archiver run as a subprocess."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.serving.demo_sites import sample_site_roots
from archiver.serving.loopback import SampleSite

REPO = Path(__file__).resolve().parents[1]
TEST_SITES = Path(__file__).resolve().parent / "site"
# Small WARC files, a valid one and damaged copies, written for each session by today's writer
# (tests/data/make_warcs.py; see tests/data/README.md).
WARC_DATA = REPO / ".cache" / "test-warcs"


def pytest_configure(config: pytest.Config) -> None:
    """Write the test WARC files before any test reads them."""
    from tests.data.make_warcs import write_all

    write_all(WARC_DATA)


def run_archiver(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``python -m archiver ARGS`` in a subprocess, as a user would run the command."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def rows(db: Path, sql: str, *params: object, readonly: bool = False) -> list[sqlite3.Row]:
    """The rows ``sql`` selects from the archive at ``db``, read by column name or position.

    ``readonly`` opens it read-only, beside a server that holds it open.
    """
    if readonly:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    else:
        conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on, so connections are refused."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def sample_sites() -> Iterator[list[SampleSite]]:
    """The bundled demo sites, each served on its own loopback host."""
    hosts = ["127.0.0.1", "127.0.0.2"]
    sites = [
        SampleSite(root, host).start()
        for root, host in zip(sample_site_roots(), hosts, strict=True)
    ]
    yield sites
    for site in sites:
        site.stop()


@pytest.fixture(scope="session")
def sample_crawl(
    sample_sites: list[SampleSite], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    """The sample sites crawled once for the session: the folder of ``news.db`` and ``warcs/``,
    and what the command printed.

    Only for tests that read it; a test that writes in it takes :func:`copy_archive` instead.
    Teardown fails if any test changed it, so a writer sharing it by mistake is caught.
    """
    work = tmp_path_factory.mktemp("sample-archive")
    urls = [site.url for site in sample_sites]
    args = ["--db", "news.db", "--warc-dir", "warcs", "-s", "PROGRESS_INTERVAL=0.1"]
    result = run_archiver("crawl", *urls, *args, cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    crawled = archive_state(work)
    yield work, result
    assert archive_state(work) == crawled, "a test wrote in the shared sample archive"


@pytest.fixture(scope="session")
def sample_archive(sample_crawl: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    """The folder of the session's sample crawl: ``news.db`` and ``warcs/``."""
    return sample_crawl[0]


def copy_archive(archive: Path, into: Path) -> Path:
    """A copy of ``archive`` at ``into/archive``, for a test that writes beside its files."""
    return shutil.copytree(archive, into / "archive")


def archive_state(archive: Path) -> dict[str, str]:
    """The SHA-256 of every file in ``archive`` but SQLite's empty WAL and its index.

    Read-only SQLite connections leave an empty ``news.db-wal`` and a ``news.db-shm`` (the WAL's
    shared-memory index) behind; only a WAL holding frames means a write.
    """
    state = {}
    for path in sorted(p for p in archive.rglob("*") if p.is_file()):
        name = path.relative_to(archive).as_posix()
        if name.endswith("-shm") or (name.endswith("-wal") and path.stat().st_size == 0):
            continue
        state[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


# The appeal-news page reworded between the two crawls of :func:`appeal_archive`.
EDITED_PAGE = "news/2026/10/council-approves-parking-meter-hike.html"
EDIT_BEFORE = "The council also agreed to extend free"
EDIT_AFTER = "The council also voted, after a late amendment, to extend free"


@pytest.fixture(scope="session")
def appeal_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The appeal-news site (appeals, newsletter box and bios inside its articles) crawled into
    ``news.db`` and ``warcs/``, then crawled again after one sentence of ``EDITED_PAGE`` was
    reworded: that article has two versions. The folder, and the site's base URL.

    Only for tests that read it; servers over it must log elsewhere.
    """
    work = tmp_path_factory.mktemp("appeal-archive")
    root = shutil.copytree(TEST_SITES / "appeal-news", tmp_path_factory.mktemp("site") / "site")
    args = ["--db", "news.db", "--warc-dir", "warcs"]
    with SampleSite(root, "127.0.0.19") as site:
        first = run_archiver("crawl", site.url, *args, cwd=work)
        assert first.returncode == 0, first.stderr[-2000:]
        page = root / EDITED_PAGE
        page.write_text(
            page.read_text(encoding="utf-8").replace(EDIT_BEFORE, EDIT_AFTER), encoding="utf-8"
        )
        second = run_archiver("crawl", site.url, *args, "-s", "CRAWL_REFRESH=True", cwd=work)
        assert second.returncode == 0, second.stderr[-2000:]
    return work, site.url
