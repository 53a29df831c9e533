"""Run a server program (Datasette, pywb's wayback) in the foreground until it stops or we do."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

HOST = "127.0.0.1"  # servers listen on loopback only: they expose an archive, not a service


class Stopped(Exception):
    """Raised inside the wait loop when SIGTERM asks us to stop."""


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether ``host:port`` can be listened on now."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def run_server(
    command: Sequence[str],
    cwd: Path | None = None,
    tick: Callable[[], object] | None = None,
    interval: float = 0,
) -> int:
    """Run ``command`` until it exits, Ctrl-C or SIGTERM; call ``tick`` every ``interval`` seconds.

    The child is always stopped before this returns, so no server outlives the command.
    Returns the child's exit status, or 0 when we stopped it.
    """
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    process = subprocess.Popen(list(command), cwd=cwd)
    try:
        while True:
            try:
                return process.wait(timeout=interval if tick and interval > 0 else None)
            except subprocess.TimeoutExpired:
                if tick:
                    tick()
    except (KeyboardInterrupt, Stopped):
        return 0
    finally:
        _stop(process)
        signal.signal(signal.SIGTERM, previous)


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
