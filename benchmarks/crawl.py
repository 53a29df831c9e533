"""Crawl speed: plain Scrapy against ``archiver crawl`` over the same local mirror, side by side.

Example:
    .venv/bin/python benchmarks/crawl.py --pages 2000

Builds a mirror of N news pages of real weight from the development corpus (see
``benchmarks/mirror.py``), serves it with nginx on 127.0.0.1, then runs, one after the other:

(a) a plain Scrapy spider that follows every link on the host and does nothing else;
(b) ``archiver crawl`` with everything on (WARC, extraction, site layer, SQLite), politeness
    relaxed through ``-s``.

Each runs in its own process. Figures: responses, seconds (Scrapy's own ``elapsed_time_seconds``,
so interpreter start-up is left out; wall time including it is shown too), pages/s, CPU seconds
per page of the whole process tree (extraction workers included) and of the crawl process alone
(whose reactor thread bounds the speed), peak RSS of the tree (sampled every 0.2 s, the sum over
its processes; PSS counts pages the processes share once) and of the crawl process, WARC and
database bytes per page, and the machine's load average around each run: other work on the
machine slows pages/s but hardly CPU s/page.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import add_corpus_options, unpack  # noqa: E402
from benchmarks.mirror import (  # noqa: E402
    MIRROR_VERSION,
    Mirror,
    build_mirror,
    corpus_files,
    load_templates,
)
from benchmarks.nginx import ensure_nginx, nginx_server  # noqa: E402
from benchmarks.plain_spider import run_plain_spider  # noqa: E402
from benchmarks.process_tree import TreeUsage, run_sampled  # noqa: E402

CONCURRENCY = 16
_PROFILE_FORMATS = {".svg": "flamegraph", ".txt": "raw", ".json": "speedscope"}
_ELAPSED = re.compile(r"'elapsed_time_seconds': ([0-9.]+)")
_RESPONSES = re.compile(r"'response_received_count': (\d+)")


@dataclass(slots=True)
class RunResult(TreeUsage):
    """What one crawl cost: its process tree's usage (``main_cpu`` and ``peak_main_rss`` are the
    crawl process alone, reactor and all), Scrapy's figures and the outputs' size."""

    responses: int = 0
    seconds: float = 0.0  # Scrapy's elapsed_time_seconds
    warc_bytes: int = 0
    db_bytes: int = 0
    articles: int = 0

    @property
    def pages_per_second(self) -> float:
        """Responses per second of crawling."""
        return self.responses / self.seconds if self.seconds else 0.0

    def per_page(self, value: float) -> float:
        """``value`` divided by the responses received."""
        return value / self.responses if self.responses else 0.0


# --- the two runs' command lines -------------------------------------------------------------


def plain_command(url: str) -> list[str]:
    """Command line of run (a)."""
    return [sys.executable, str(Path(__file__).resolve()), "--plain-spider", url]


def archiver_command(url: str, out: Path, extra: list[str]) -> list[str]:
    """Command line of run (b): everything on, politeness relaxed."""
    relaxed = {
        "AUTOTHROTTLE_ENABLED": "False",
        "ROBOTSTXT_OBEY": "False",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": str(CONCURRENCY),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(CONCURRENCY),
        "LOG_LEVEL": "INFO",
    }
    settings = [arg for name, value in relaxed.items() for arg in ("-s", f"{name}={value}")]
    return [
        sys.executable,
        "-m",
        "archiver",
        "crawl",
        url,
        "--db",
        str(out / "archive.db"),
        "--warc-dir",
        str(out / "warcs"),
        *settings,
        *extra,
    ]


# --- measuring a run ---------------------------------------------------------------------------


def measure(
    name: str,
    command: list[str],
    cwd: Path,
    log: Path,
    timeout: float,
    wrap: list[str] | None = None,
) -> RunResult:
    """Run ``command`` to its end, sampling its process tree; parse Scrapy's final stats."""
    result = RunResult(name)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TLDEXTRACT_CACHE": str(Path.home() / ".cache" / "news-archiver" / "tldextract"),
    }
    run_sampled(result, [*(wrap or []), *command], cwd, env, log, timeout)
    text = log.read_text(errors="replace")
    elapsed, responses = _ELAPSED.findall(text), _RESPONSES.findall(text)
    result.seconds = float(elapsed[-1]) if elapsed else result.wall
    result.responses = int(responses[-1]) if responses else 0
    return result


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _db_figures(out: Path) -> tuple[int, int]:
    files = [out / f"archive.db{suffix}" for suffix in ("", "-wal", "-shm")]
    size = sum(f.stat().st_size for f in files if f.exists())
    if not files[0].exists():
        return size, 0
    with sqlite3.connect(files[0]) as conn:
        articles = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    return size, articles


# --- the benchmark ------------------------------------------------------------------------------


def prepare_mirror(root: Path, pages: int, corpus_dir: Path) -> tuple[Mirror, bool]:
    """The mirror at ``root``, and whether it was built now (not reused from an earlier run).

    It is built beside ``root`` and renamed into place, so that another invocation serving an
    existing mirror never sees it half-written.
    """
    stamp = root / ".built"
    if stamp.exists() and stamp.read_text().split() == [str(pages), MIRROR_VERSION]:
        sections = len(list((root / "section").glob("*.html")))
        size = sum(p.stat().st_size for p in root.rglob("*.html"))
        return Mirror(root, pages, sections, size), False
    building = root.with_name(f"{root.name}.building-{os.getpid()}")
    try:
        mirror = build_mirror(building, pages, load_templates(corpus_files(corpus_dir)))
        (building / ".built").write_text(f"{pages} {MIRROR_VERSION}\n")
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if root.exists():
        shutil.rmtree(root)
    building.rename(root)
    return Mirror(root, mirror.articles, mirror.sections, mirror.html_bytes), True


def print_table(results: list[RunResult], mirror: Mirror) -> None:
    """One row per run, then the ratio of speeds."""
    mib = 1024 * 1024
    print(
        f"mirror: {mirror.articles} articles + {mirror.sections} sections + home,"
        f" {mirror.html_bytes / mirror.pages / 1024:.0f} KB of HTML per page on average"
    )
    head = (
        f"{'run':<20} {'responses':>9} {'seconds':>8} {'wall s':>7} {'pages/s':>8}"
        f" {'CPU s/page':>10} {'main CPU':>8} {'peak RSS MB':>11} {'PSS MB':>6} {'main RSS MB':>11}"
        f" {'WARC B/page':>11} {'DB B/page':>9} {'articles':>8} {'load':>9}"
    )
    print(head)  # main CPU: s/page of the crawl process alone; load: 1-min average before-after
    for r in results:
        print(
            f"{r.name:<20} {r.responses:>9} {r.seconds:>8.1f} {r.wall:>7.1f}"
            f" {r.pages_per_second:>8.1f} {r.per_page(r.cpu):>10.4f} {r.per_page(r.main_cpu):>8.4f}"
            f" {r.peak_rss / mib:>11.0f} {r.peak_pss / mib:>6.0f}"
            f" {r.peak_main_rss / mib:>11.0f} {r.per_page(r.warc_bytes):>11.0f}"
            f" {r.per_page(r.db_bytes):>9.0f} {r.articles:>8} {r.load[0]:>4.1f}-{r.load[1]:<4.1f}"
            + (f"  (exit {r.returncode})" if r.returncode else "")
        )
    if len(results) == 2 and results[0].pages_per_second:
        ratio = results[1].pages_per_second / results[0].pages_per_second
        print(f"pages/s (b) / (a): {ratio:.2f}")


def profiler_command(profile: Path, key: str) -> list[str]:
    """The py-spy command line that records run ``key`` into ``FILE-key`` beside ``profile``."""
    profile = profile.resolve()
    target = profile.with_name(f"{profile.stem}-{key}{profile.suffix}")
    spy = str(Path(sys.executable).parent / "py-spy")
    fmt = _PROFILE_FORMATS.get(profile.suffix, "speedscope")
    wrap = [spy, "record", "--subprocesses", "--nonblocking", "--format", fmt, "-o"]
    return [*wrap, str(target), "--"]


def run_one(key: str, url: str, out: Path, args: argparse.Namespace, timeout: float) -> RunResult:
    """Run (a) or (b) into ``out``, under py-spy when ``--profile`` asks."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    wrap = profiler_command(args.profile, key) if args.profile else None
    if key == "a":
        result = measure(
            "(a) plain Scrapy", plain_command(url), out, out / "log.txt", timeout, wrap
        )
    else:
        extra = [arg for value in args.settings for arg in ("-s", value)]
        command = archiver_command(url, out, extra)
        result = measure("(b) archiver crawl", command, out, out / "log.txt", timeout, wrap)
        result.warc_bytes = _folder_bytes(out / "warcs")
        result.db_bytes, result.articles = _db_figures(out)
    if result.returncode:
        tail = (out / "log.txt").read_text(errors="replace").splitlines()[-20:]
        print("\n".join(tail), file=sys.stderr)
    print(f"{result.name}: {result.responses} responses in {result.seconds:.1f} s", flush=True)
    return result


def argument_parser() -> argparse.ArgumentParser:
    """The options of the benchmark (and the hidden ``--plain-spider`` that runs (a))."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the mirror")
    parser.add_argument("--only", choices=["a", "b"], help="run only (a) plain or (b) archiver")
    parser.add_argument(
        "--keep", action="store_true", help="keep the mirror (reused next time) and run outputs"
    )
    add_corpus_options(parser)
    parser.add_argument("--workdir", type=Path, default=REPO / ".bench", help="mirror and outputs")
    parser.add_argument("--timeout", type=float, default=0, help="seconds per run (0: by size)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="run under py-spy record --subprocesses into FILE-a/-b (.svg, .txt raw, .json)",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for (b)",
    )
    parser.add_argument("--plain-spider", metavar="URL", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Build the mirror, serve it, run (a) and (b), print the table."""
    args = argument_parser().parse_args(argv)
    if args.plain_spider:
        run_plain_spider(args.plain_spider, CONCURRENCY)
        return 0

    workdir: Path = args.workdir
    timeout = args.timeout or 120 + args.pages * 0.3
    started = time.monotonic()
    mirror, built = prepare_mirror(
        workdir / f"mirror-{args.pages}", args.pages, unpack(args.corpus, args.eval_dir)
    )
    print(f"mirror ready in {time.monotonic() - started:.0f} s: {mirror.root}", flush=True)
    # Per invocation, so that two runs at once (which skew each other's figures) at least do
    # not delete each other's files.
    runs = workdir / f"runs-{os.getpid()}"
    nginx_dir = workdir / f"nginx-{os.getpid()}"
    results = []
    try:
        with nginx_server(mirror.root, nginx_dir, ensure_nginx()) as url:
            for key in ("a", "b"):
                if not args.only or args.only == key:
                    results.append(run_one(key, url, runs / key, args, timeout))
    finally:
        shutil.rmtree(nginx_dir, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(runs, ignore_errors=True)
            if built:
                shutil.rmtree(mirror.root, ignore_errors=True)
    print_table(results, mirror)
    return 0 if all(r.returncode == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
