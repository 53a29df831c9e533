"""Helpers for the query and replay tests: the servers run as users do, read-only queries."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.conftest import REPO, rows

START_TIMEOUT = 45.0  # seconds a server may take to answer its first request


def query(db: Path, sql: str, *params: object) -> list[sqlite3.Row]:
    """Rows of a read-only query on the archive, which the servers hold open."""
    return rows(db, sql, *params, readonly=True)


def free_port() -> int:
    """A port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def fetch(url: str, timeout: float = 10) -> tuple[int, str, bytes]:
    """Status, Content-Type and body of a GET (HTTP errors included, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers.get("Content-Type", ""), exc.read()


class ArchiverServer:
    """``archiver serve`` or ``archiver replay`` in a subprocess, up once ``ready_path`` answers.

    Its own session, so teardown can stop the command and the server it started together.
    Its output goes to a log in ``log_dir`` (``cwd`` by default): a server run in the shared
    sample archive must log elsewhere, so as not to write in it.
    """

    def __init__(
        self,
        args: list[str],
        port: int,
        cwd: Path,
        ready_path: str = "/",
        log_dir: Path | None = None,
    ) -> None:
        self.args = [*args, "--port", str(port)]
        self.port = port
        self.cwd = cwd
        self.ready_path = ready_path
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[str] | None = None
        self.log = (log_dir or cwd) / f"server-{port}.log"

    def __enter__(self) -> Self:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with open(self.log, "w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "archiver", *self.args],
                cwd=self.cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise AssertionError(f"{self.args[0]} exited early:\n{self.output()}")
            try:
                if fetch(self.base + self.ready_path, timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"{self.args[0]} did not answer in {START_TIMEOUT}s:\n{self.output()}")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def output(self) -> str:
        """What the command and its server printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM the command (it stops its server); kill the whole session if that stalls."""
        process = self.process
        if process is None or process.poll() is not None:
            self._kill_group()
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._kill_group()

    def _kill_group(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
