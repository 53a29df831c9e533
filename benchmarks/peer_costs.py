"""What a peer extractor would cost inside our extraction worker: import time and memory.

Example:
    .venv/bin/python benchmarks/peer_costs.py readability-lxml resiliparse jusText

For each peer, ``python -X importtime -c 'import MODULE'`` in a fresh interpreter: the top-level
imports after the interpreter's own start-up (``site`` and before), best of ``--runs``. Then, in a
fresh process shaped like a worker (our extractor imported and run over the pages, so its caches
are warm), the resident memory the peer adds once imported and built, and once it has extracted the
same ``--pages`` corpus pages, plus the seconds its import took there (what it adds to a worker
that already holds lxml and trafilatura). The same memory figures in a bare process (the pages
decoded, nothing else imported) show the library's own weight. Quality and speed come from
``extraction.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import EVAL_DIR  # noqa: E402

# The module a user imports to reach each peer's extraction call.
MODULES = {
    "trafilatura (precision)": "trafilatura",
    "readability-lxml": "readability",
    "newspaper4k": "newspaper",
    "goose3": "goose3",
    "boilerpy3": "boilerpy3.extractors",
    "resiliparse": "resiliparse.extract.html2text",
    "jusText": "justext",
}
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_micros(statement: str) -> int:
    """Microseconds ``-X importtime`` reports for the top-level imports ``statement`` runs.

    The interpreter's start-up imports end with ``site``; what comes after is the statement's.
    """
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in run.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match and len(match.group(3)) == 1:  # one space: a top-level import, not nested
            total = 0 if match.group(4) == "site" else total + int(match.group(2))
    return total


def import_seconds(module: str, runs: int) -> float:
    """Best-of-``runs`` import time of ``module`` in a fresh interpreter."""
    return min(import_micros(f"import {module}") for _ in range(runs)) / 1e6


def rss_kib() -> int:
    """This process's resident set size, in KiB."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def decoded_pages(workdir: Path, limit: int) -> list[tuple[str, str]]:
    """``(html, url)`` of the first ``limit`` corpus pages, decoded as the benchmark does."""
    from archiver.extraction.decoding import decode_html

    annotations = json.loads((workdir / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in list(annotations.items())[:limit]:
        path = workdir / "eval" / entry["file"]
        if not path.exists():
            path = workdir / "cache" / entry["file"]
        pages.append((decode_html(path.read_bytes()), url))
    return pages


def child(name: str, pages: int, workdir: Path, bare: bool) -> dict[str, float]:
    """In this (fresh) process: warm ours up unless bare, then load the peer and run it."""
    from benchmarks import peers

    corpus = decoded_pages(workdir, pages)
    warnings.simplefilter("ignore")
    with peers.offline():
        if not bare:
            from benchmarks.extraction import ours

            for html, url in corpus:
                ours(html, url)
        before = rss_kib()
        start = time.perf_counter()
        extract = peers.PEERS[name]()
        loaded = time.perf_counter() - start
        after_import = rss_kib()
        failures = 0
        for html, url in corpus:
            try:
                extract(html, url)
            except Exception:
                failures += 1
        after_pages = rss_kib()
    return {
        "import_in_worker_s": loaded,
        "rss_import_mib": (after_import - before) / 1024,
        "rss_pages_mib": (after_pages - before) / 1024,
        "failures": failures,
    }


def measure(name: str, pages: int, workdir: Path, runs: int) -> dict[str, float]:
    """Every figure for one peer, each set of memory figures from a fresh process."""
    figures: dict[str, float] = {"import_alone_s": import_seconds(MODULES[name], runs)}
    for mode in ("worker", "bare"):
        command = [sys.executable, __file__, "--child", name, "--pages", str(pages)]
        command += ["--workdir", str(workdir)] + (["--bare"] if mode == "bare" else [])
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode:
            raise SystemExit(f"{name} ({mode}) failed:\n{run.stderr[-2000:]}")
        found = json.loads(run.stdout.splitlines()[-1])
        figures.update({f"{mode}_{key}": value for key, value in found.items()})
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure the named peers (default: all) and print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("peers", nargs="*", help=f"default: all ({', '.join(MODULES)})")
    parser.add_argument("--pages", type=int, default=100, help="pages each peer extracts")
    parser.add_argument("--runs", type=int, default=3, help="import timings, best kept")
    parser.add_argument("--workdir", type=Path, default=EVAL_DIR, help="the unpacked corpus")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.pages, args.workdir, args.bare)))
        return 0
    names = args.peers or list(MODULES)
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        parser.error(f"unknown peer(s): {', '.join(unknown)}")
    print(f"import seconds; extra RSS MiB after import and after {args.pages} pages")
    print(f"{'':<24} {'import':>7} {'in a worker':>29} {'in a bare process':>23}")
    head = f"{'peer':<24} {'alone':>7} {'import s':>9} {'+RSS imp':>9} {'+RSS pages':>10}"
    print(f"{head} {'+RSS imp':>12} {'+RSS pages':>10} {'failed':>6}")
    for name in names:
        f = measure(name, args.pages, args.workdir, args.runs)
        print(
            f"{name:<24} {f['import_alone_s']:>7.3f} {f['worker_import_in_worker_s']:>9.3f}"
            f" {f['worker_rss_import_mib']:>9.1f} {f['worker_rss_pages_mib']:>10.1f}"
            f" {f['bare_rss_import_mib']:>12.1f} {f['bare_rss_pages_mib']:>10.1f}"
            f" {f['worker_failures']:>6.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
