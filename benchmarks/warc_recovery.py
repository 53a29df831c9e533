"""What making a job's WARC file whole costs when the job starts again, beside its peers.

A resumed job reads each of its files whole, since a torn record may be anywhere: the records
its ``captures`` rows point at are only checked by their first bytes; the rest are inflated.
Printed beside it: every member inflated, and the tail-only scan from the last committed row
that resumes made before (which missed a torn record in the middle).

    .venv/bin/python -m benchmarks.warc_recovery --exchanges 1000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from storage.warc import HttpExchange, WarcWriter
from storage.warcrecover import Member, recover_tail

_WORDS = [
    "council",
    "harbour",
    "ferry",
    "budget",
    "residents",
    "school",
    "bridge",
    "market",
    "library",
    "river",
]


def write_file(folder: Path, exchanges: int, words: int) -> tuple[Path, list[Member]]:
    """A WARC file of ``exchanges`` HTML responses of ``words`` words, and its response members."""
    rng = random.Random(1)
    writer = WarcWriter(folder, "bench", max_bytes=1 << 40)
    known = []
    for n in range(exchanges):
        body = " ".join(rng.choice(_WORDS) for _ in range(words)).encode()
        ref = writer.write_exchange(
            HttpExchange(f"http://127.0.0.1/p/{n}", 200, [("Content-Type", "text/html")], body)
        ).ref
        known.append(Member(ref.offset, ref.length, "response", ref.record_id))
    path = writer.current_path
    writer.close()
    assert path is not None
    return path, known


def best_of(runs: int, path: Path, start: int, known: list[Member]) -> float:
    """The shortest of ``runs`` recoveries of ``path``, in seconds."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        recovery = recover_tail(path, start, known)
        times.append(time.perf_counter() - began)
        assert recovery.cut == 0
    return min(times)


def main() -> None:
    """Print the time each way of checking one file takes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=1000)
    parser.add_argument("--words", type=int, default=20000, help="per page (about 7 bytes each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path, known = write_file(Path(folder), args.exchanges, args.words)
        size = path.stat().st_size / 1e6
        tail = known[-1].offset + known[-1].length
        ways = [
            ("whole file, indexed records trusted (resume now)", 0, known),
            ("whole file, every member inflated", 0, []),
            ("tail from the last committed row (resume before)", tail, []),
        ]
        for label, start, trusted in ways:
            seconds = best_of(3, path, start, trusted)
            print(f"{label:50s} {size:7.1f} MB  {seconds * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
