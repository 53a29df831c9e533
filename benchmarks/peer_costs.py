"""What a peer extractor would cost inside our extraction worker: import time and memory.

Example:
    .venv/bin/python benchmarks/peer_costs.py readability-lxml resiliparse jusText

For each peer, ``python -X importtime -c 'import MODULE'`` in a fresh interpreter, less the same
for ``pass`` (the interpreter's own start-up imports), best of ``--runs``. Then, in another fresh
process shaped like a worker (our extractor imported and run over the pages, so its caches are
warm), the resident memory the peer adds once imported and built, and once it has extracted the
same ``--pages`` corpus pages, plus the seconds its import took there (what it adds to a worker
that already holds lxml and trafilatura). Quality and speed come from ``extraction.py``.
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
    """Microseconds ``-X importtime`` reports for the top-level imports that ``statement`` runs."""
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
            total += int(match.group(2))
    return total


def import_seconds(module: str, runs: int) -> float:
    """Best-of-``runs`` import time of ``module`` alone, start-up imports taken off."""
    base = min(import_micros("pass") for _ in range(runs))
    return min(import_micros(f"import {module}") for _ in range(runs)) / 1e6 - base / 1e6


def rss_kib() -> int:
    """This process's resident set size, in KiB."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def child(name: str, pages: int, workdir: Path) -> dict[str, float]:
    """In this (fresh) process: warm ours up, then load the peer and run it; memory at each step."""
    from benchmarks import peers
    from benchmarks.extraction import load_pages, ours

    corpus = load_pages(workdir, pages)
    warnings.simplefilter("ignore")
    with peers.offline():
        for page in corpus:
            ours(page.html, page.url)
        before = rss_kib()
        start = time.perf_counter()
        extract = peers.PEERS[name]()
        loaded = time.perf_counter() - start
        after_import = rss_kib()
        failures = 0
        for page in corpus:
            try:
                extract(page.html, page.url)
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
    """Every figure for one peer, each memory figure from a fresh process."""
    command = [sys.executable, __file__, "--child", name, "--pages", str(pages)]
    command += ["--workdir", str(workdir)]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(run.stdout.splitlines()[-1])
    figures["import_alone_s"] = import_seconds(MODULES[name], runs)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure the named peers (default: all) and print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("peers", nargs="*", help=f"default: all ({', '.join(MODULES)})")
    parser.add_argument("--pages", type=int, default=100, help="pages each peer extracts")
    parser.add_argument("--runs", type=int, default=3, help="import timings, best kept")
    parser.add_argument("--workdir", type=Path, default=EVAL_DIR, help="the unpacked corpus")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.pages, args.workdir)))
        return 0
    names = args.peers or list(MODULES)
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        parser.error(f"unknown peer(s): {', '.join(unknown)}")
    print(f"extra cost over a worker that has run ours on {args.pages} pages")
    header = f"{'peer':<24} {'import alone s':>14} {'import in worker s':>18}"
    print(f"{header} {'+RSS import MiB':>15} {f'+RSS {args.pages} pages MiB':>19}")
    for name in names:
        f = measure(name, args.pages, args.workdir, args.runs)
        print(
            f"{name:<24} {f['import_alone_s']:>14.3f} {f['import_in_worker_s']:>18.3f}"
            f" {f['rss_import_mib']:>15.1f} {f['rss_pages_mib']:>19.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
