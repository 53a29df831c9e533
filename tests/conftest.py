"""Shared fixtures: real HTTP servers on loopback, and the archiver run as a subprocess."""

from __future__ import annotations

import os
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
