"""What rendering costs: one script-built site crawled with RENDER=never, auto and always.

Prints, for each mode, the crawl's wall time (the command from start to exit), the pages it
fetched, the pages it rendered and the articles it stored. ``never`` is the peer: plain HTTP,
the shells stored as hubs.

    .venv/bin/python benchmarks/render.py [--shells 10] [--plain 10]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import run_archiver  # noqa: E402 - after the path is set
from tests.scriptsite import ScriptSite  # noqa: E402


def crawl(site: ScriptSite, mode: str) -> tuple[float, str]:
    """Crawl ``site`` with ``RENDER=mode`` into a fresh folder: wall seconds and the summary."""
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        result = run_archiver(
            "crawl", site.url, "--db", "news.db", "--warc-dir", "warcs",
            "-s", f"RENDER={mode}", cwd=Path(work), timeout=600,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    return elapsed, result.stdout


def figure(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shells", type=int, default=10, help="script-built article pages")
    parser.add_argument("--plain", type=int, default=10, help="articles whose HTML holds the text")
    args = parser.parse_args()
    with ScriptSite("127.0.0.97", shells=args.shells, plain=args.plain) as site:
        print(f"{args.shells} script-built pages, {args.plain + 1} plain articles, a home page")
        print(f"{'RENDER':<8} {'seconds':>8} {'pages':>6} {'rendered':>9} {'articles':>9}")
        for mode in ("never", "auto", "always"):
            elapsed, out = crawl(site, mode)
            pages = figure(r"pages: (\d+)", out)
            rendered = figure(r"rendered in the browser: (\d+)", out)
            articles = figure(r"articles stored: (\d+)", out)
            print(f"{mode:<8} {elapsed:>8.1f} {pages:>6} {rendered:>9} {articles:>9}")


if __name__ == "__main__":
    main()
