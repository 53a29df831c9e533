"""Peak memory of a crawl fed a page of 200,000 links and a sitemap of 100,000 entries.

Example:
    .venv/bin/python benchmarks/crawl_memory.py
    .venv/bin/python benchmarks/crawl_memory.py --links 200000 --entries 100000 --uncapped

Serves both documents (and a tiny page behind every URL they list) on 127.0.0.1, then runs
``archiver crawl`` on each in its own process, with ``--max-pages`` so the run ends soon after
the document is read. The figure is the kernel's peak resident set size of the crawl process
and every process it waited for (``wait4``'s ``ru_maxrss``: the largest of them), so no spike
between samples is missed. ``--uncapped`` runs each again with ``CRAWL_MAX_LINKS_PER_PAGE`` and
``CRAWL_MAX_LISTING_ENTRIES`` off, the peer the caps are measured against.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.serving.loopback import LoopbackServer  # noqa: E402

UNCAPPED = ("-s", "CRAWL_MAX_LINKS_PER_PAGE=0", "-s", "CRAWL_MAX_LISTING_ENTRIES=0")
_TINY = b"<!doctype html><title>p</title><p>A short page.</p>"


def link_page(links: int) -> bytes:
    """One HTML page linking to ``links`` distinct pages of its own site."""
    anchors = "".join(f'<a href="/p/{n}.html">story {n}</a>\n' for n in range(links))
    return f"<!doctype html><title>All stories</title><body>{anchors}</body>".encode()


def sitemap(entries: int) -> bytes:
    """A sitemap listing ``entries`` distinct pages, each with a lastmod."""
    urls = "".join(
        f"<url><loc>/s/{n}.html</loc><lastmod>2026-11-20</lastmod></url>\n" for n in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    ).encode()


class ListingServer(LoopbackServer):
    """Serve ``/links.html``, ``/sitemap.xml`` and a tiny page at every other path."""

    def __init__(self, links: int, entries: int, host: str = "127.0.0.1") -> None:
        documents = {
            "/links.html": (link_page(links), "text/html; charset=utf-8"),
            "/sitemap.xml": (sitemap(entries), "application/xml"),
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                path = urlsplit(self.path).path
                body, kind = documents.get(path, (_TINY, "text/html; charset=utf-8"))
                if path == "/robots.txt":
                    body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                """Quiet."""

        super().__init__(Handler, host)


@dataclass(slots=True)
class MemoryRun:
    """One crawl's peak memory and how long it ran."""

    name: str
    peak_rss: int  # bytes: the largest process of the crawl at its highest
    seconds: float
    returncode: int


def crawl_peak_rss(name: str, seed: str, extra: tuple[str, ...], work: Path) -> MemoryRun:
    """Run ``archiver crawl SEED`` in a child process; its peak RSS as the kernel counted it."""
    run = work / name
    run.mkdir()
    command = [
        sys.executable, "-m", "archiver", "crawl", seed, "--db", "a.db", "--warc-dir", "w",
        "--max-pages", "30", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING",
        "-s", "EXTRACT_WORKERS=1", *extra,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    with (run / "log.txt").open("wb") as log:
        process = subprocess.Popen(command, cwd=run, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return MemoryRun(name, usage.ru_maxrss * 1024, time.monotonic() - started, process.returncode)


def main() -> None:
    """Print the peak RSS of each crawl, capped and (with ``--uncapped``) not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--uncapped", action="store_true", help="also run with the caps off")
    args = parser.parse_args()
    runs: list[MemoryRun] = []
    with tempfile.TemporaryDirectory() as tmp, ListingServer(args.links, args.entries) as server:
        for document in ("links.html", "sitemap.xml"):
            for capped in (True, False) if args.uncapped else (True,):
                name = f"{document} ({'capped' if capped else 'uncapped'})"
                extra = () if capped else UNCAPPED
                runs.append(
                    crawl_peak_rss(name.replace(" ", "_"), server.url + document, extra, Path(tmp))
                )
    print(f"links per page: {args.links:,}   sitemap entries: {args.entries:,}")
    print(f"{'crawl':<32} {'peak RSS':>10} {'seconds':>8} {'exit':>5}")
    for run in runs:
        megabytes = run.peak_rss / 2**20
        print(f"{run.name:<32} {megabytes:>7.0f} MB {run.seconds:>8.1f} {run.returncode:>5}")


if __name__ == "__main__":
    main()
