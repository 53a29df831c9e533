"""A real ``redis-server`` on a loopback port, for the tests of crawls across nodes."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.conftest import closed_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """Debian's redis-server on 127.0.0.1: started, stopped, and started again on its port."""

    def __init__(self, folder: Path, *options: str) -> None:
        self.folder = folder
        self.options = options
        self.port = closed_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._client: redis.Redis | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.folder), *self.options]  # fmt: skip
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the server's for its life
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis(port=self.port, password=self._password()) as probe:
                    probe.ping()
                return self
            except redis.ConnectionError:
                assert self.process.poll() is None, (self.folder / "redis.log").read_text()
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (SIGTERM: it writes its append-only file if it keeps one)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        """A client of the server (one for the test, closed when the server stops)."""
        if self._client is None:
            self._client = redis.Redis(port=self.port, password=self._password())
        return self._client

    def _password(self) -> str | None:
        options = list(self.options)
        return options[options.index("--requirepass") + 1] if "--requirepass" in options else None
