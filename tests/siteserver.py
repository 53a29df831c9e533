"""A loopback HTTP server for crawl tests: routes by path, every request recorded."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from archiver.serving.loopback import LoopbackServer, Route

__all__ = ["Route", "SiteServer", "gzipped", "redirect", "reply"]


def reply(
    body: bytes | str,
    content_type: str | None = "text/html; charset=utf-8",
    status: int = 200,
    headers: tuple[tuple[str, str], ...] = (),
) -> Route:
    """A route answering with one fixed response."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        if content_type is not None:
            handler.send_header("Content-Type", content_type)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return handle


def gzipped(body: bytes | str, content_type: str = "text/html; charset=utf-8") -> Route:
    """A route answering with a ``Content-Encoding: gzip`` body."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return reply(
        gzip.compress(data, mtime=0), content_type, headers=(("Content-Encoding", "gzip"),)
    )


def redirect(location: str, status: int = 302) -> Route:
    """A route redirecting to ``location``."""
    return reply(b"", None, status, headers=(("Location", location),))


class SiteServer(LoopbackServer):
    """Serve ``routes`` on ``host`` and a free port in a background thread.

    Each request's path and headers are recorded in ``requests``; ``delay`` seconds are spent
    before answering any request, to make a crawl last long enough to be interrupted.
    """

    def __init__(self, host: str = "127.0.0.1", delay: float = 0.0) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests this host was answering at once
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                with server._lock:
                    server.requests.append((self.path, dict(self.headers.items())))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler hung up: a timeout or a size limit did its job
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self) -> None:
                if server.delay:
                    time.sleep(server.delay)
                path = urlsplit(self.path).path
                route = server.routes.get(self.path) or server.routes.get(path)
                (route or reply(b"<h1>Not found</h1>", status=404))(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                """Quiet: tests print their own output."""

        super().__init__(Handler, host)

    def hits(self, path: str) -> int:
        """How many times ``path`` was requested."""
        with self._lock:
            return sum(1 for requested, _ in self.requests if requested == path)

    def paths(self) -> list[str]:
        """Every requested path, in order."""
        with self._lock:
            return [path for path, _ in self.requests]
