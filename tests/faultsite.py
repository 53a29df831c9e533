"""A small site whose pages fail as real sites do: 404, 500, wrong charsets, empty bodies."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from archiver.serving.loopback import Route, SampleSite

ROOT = Path(__file__).resolve().parent / "site" / "faults"
# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)


def article_html(title: str, paragraphs: str, charset_meta: str = "") -> str:
    """An article page in the shape of a news site's, with a date and a byline."""
    body = "".join(f"<p>{line}</p>" for line in paragraphs.strip().splitlines())
    return (
        f"<!doctype html><html lang='en'><head>{charset_meta}<title>{title}</title>"
        "<meta property='og:type' content='article'></head><body><article>"
        f"<h1>{title}</h1><p class='byline'>By Ada Lane</p>"
        f"<time datetime='2026-11-20'>20 November 2026</time>{body}</article></body></html>"
    )


def _reply(status: int, content_type: str | None, body: bytes) -> Route:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        if content_type is not None:
            handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return handle


def routes() -> dict[str, Route]:
    """Every faulty page of the site, by path."""
    cafe = (ROOT / "cafe.txt").read_text(encoding="utf-8")
    budget = (ROOT / "council-budget.txt").read_text(encoding="utf-8")
    page: Callable[..., str] = partial(
        article_html, "Café owners count the cost of parking rules", cafe
    )
    return {
        "/news/2026/11/missing.html": _reply(404, "text/html", b"<h1>Not found</h1>"),
        "/news/2026/11/broken.html": _reply(500, "text/html", b"<h1>Internal error</h1>"),
        "/media/chart.png": _reply(200, "image/png", PNG),
        "/news/2026/11/cafe-says-utf8.html": _reply(
            200, "text/html; charset=utf-8", page().encode("cp1252")
        ),
        "/news/2026/11/cafe-says-latin1.html": _reply(
            200, "text/html; charset=iso-8859-1", page().encode("utf-8")
        ),
        "/news/2026/11/empty.html": _reply(200, "text/html", b""),
        "/news/2026/11/council-budget.html": _reply(
            200,
            "text/html; charset=utf-8",
            article_html("Council approves harbour budget", budget).encode(),
        ),
    }


def fault_site(host: str = "127.0.0.3") -> SampleSite:
    """The fault site, not yet started."""
    return SampleSite(ROOT, host, routes())
