"""Serve a folder of static pages on a loopback address, as a small news site would."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

# Extra routes: path -> handler writing the whole response (status, headers, body).
Route = Callable[[BaseHTTPRequestHandler], None]
_COMPRESSIBLE = ("text/", "application/javascript", "application/xml", "image/svg+xml")


class StaticSiteHandler(BaseHTTPRequestHandler):
    """Serve files under ``root`` with ETags (answering 304 to a matching ``If-None-Match``);
    gzip text when the client accepts it; honour extra routes."""

    server_version = "SampleNews/1.0"

    def __init__(self, *args: object, root: Path, routes: dict[str, Route]) -> None:
        self.root = root
        self.routes = routes
        super().__init__(*args)  # type: ignore[arg-type]

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        path = unquote(urlsplit(self.path).path)
        if path in self.routes:
            self.routes[path](self)
            return
        target = self._resolve(path)
        if target is None:
            self._send(404, "text/html; charset=utf-8", b"<h1>Not found</h1>")
            return
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if mime.startswith("text/") or mime == "application/javascript":
            mime += "; charset=utf-8"
        body = target.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, mime, body, etag)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        """Stay quiet: tests and the demo print their own output."""

    def _resolve(self, path: str) -> Path | None:
        candidate = (self.root / path.lstrip("/")).resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_file() or self.root.resolve() not in candidate.parents:
            return None
        return candidate

    def _send(self, status: int, mime: str, body: bytes, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        if etag:
            self.send_header("ETag", etag)
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if accepts_gzip and mime.startswith(_COMPRESSIBLE) and body:
            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LoopbackServer:
    """An HTTP server on ``host`` and a free port, answering in background threads."""

    def __init__(self, handler: Callable[..., BaseRequestHandler], host: str = "127.0.0.1") -> None:
        self.server = ThreadingHTTPServer((host, 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The site's base URL, ending in a slash."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def host(self) -> str:
        """The host the site is served on."""
        return str(self.server.server_address[0])

    def start(self) -> Self:
        """Start serving in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class SampleSite(LoopbackServer):
    """A static site served in a background thread on ``host`` and a free port."""

    def __init__(
        self, root: Path, host: str = "127.0.0.1", routes: dict[str, Route] | None = None
    ) -> None:
        super().__init__(partial(StaticSiteHandler, root=root, routes=routes or {}), host)
