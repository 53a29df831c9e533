"""A real ``archiver crawl`` in its own session, and its processes found through /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO


def start_crawl(work: Path, *args: str) -> subprocess.Popen[bytes]:
    """``archiver crawl ARGS`` in a new session, as a terminal runs a job; output in ``work``."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    with open(work / "out.txt", "wb") as out, open(work / "err.txt", "wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "archiver", "crawl", *args],
            cwd=work,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _stat(int(entry.name))[1:] == (pid,):
            found.append(int(entry.name))
    return found


def workers(pid: int) -> list[int]:
    """The extraction workers of the crawl ``pid``: its children started by multiprocessing."""
    return [child for child in children(pid) if b"spawn_main" in _cmdline(child)]


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has)."""
    state = _stat(pid)
    return bool(state) and state[0] != "Z"


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _stat(pid: int) -> tuple[str, int] | tuple[()]:
    """(state, parent pid) of ``pid``, or ``()`` when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ()
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
