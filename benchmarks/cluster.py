"""A crawl across nodes: 1, 2 and 3 nodes on one Redis frontier, beside the crawl without Redis.

Example:
    .venv/bin/python benchmarks/cluster.py --pages 2000

Serves the crawl benchmark's mirror (``benchmarks/mirror.py``) with nginx on 127.0.0.1, then runs,
one after the other, with the crawl benchmark's relaxed politeness:

(b) ``archiver crawl`` in one process, no Redis: the peer;
(c) N = 1, 2, 3 nodes ``archiver crawl --frontier redis://… --node nK`` at once, on a fresh
    Debian ``redis-server`` (loopback, no persistence) started for the run.

Figures: responses (summed over nodes), seconds (the longest node's Scrapy ``elapsed_time_seconds``
minus the idle grace every node waits before it exits), pages/s, CPU seconds per page of every
process (nodes, their extraction workers and redis-server, from the rusage of reaped children),
Redis's own CPU seconds, the Redis round trips per page (each node counts the commands and
pipelines it sends and publishes the count in its heartbeat), articles across shards, load.
On a machine of two cores, more nodes share the same cores: pages/s measures the frontier's
overhead there, not the scaling a cluster of machines gets.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import add_corpus_options, unpack  # noqa: E402
from benchmarks.crawl import archiver_command, measure, prepare_mirror  # noqa: E402
from benchmarks.nginx import ensure_nginx, free_port, nginx_server  # noqa: E402

IDLE_GRACE = 2.0  # seconds a node waits on an idle frontier before it exits
_ELAPSED = re.compile(r"'elapsed_time_seconds': ([0-9.]+)")
_RESPONSES = re.compile(r"'response_received_count': (\d+)")


@dataclass(slots=True)
class ClusterRun:
    """One row of the table."""

    name: str
    responses: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    redis_cpu: float = 0.0
    round_trips: int = 0
    articles: int = 0
    load: tuple[float, float] = (0.0, 0.0)
    failed: int = 0

    @property
    def pages_per_second(self) -> float:
        """Responses per second."""
        return self.responses / self.seconds if self.seconds > 0 else 0.0

    def per_page(self, value: float) -> float:
        """``value`` per response."""
        return value / self.responses if self.responses else 0.0


def redis_server(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """Debian's redis-server on 127.0.0.1:``port``, without persistence, answering."""
    import redis

    folder.mkdir(parents=True, exist_ok=True)
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(folder)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(port=port).ping()
            return process
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)


def run_nodes(count: int, url: str, out: Path, timeout: float) -> ClusterRun:
    """``count`` nodes at once on a fresh redis-server; their figures summed."""
    import redis

    run = ClusterRun(f"(c) {count} node{'s' if count > 1 else ''} + Redis")
    port = free_port()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    server = redis_server(port, out / "redis")
    frontier = f"redis://127.0.0.1:{port}/0"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    nodes = []
    for k in range(1, count + 1):
        extra = [
            "--frontier",
            frontier,
            "--node",
            f"n{k}",
            "-s",
            f"FRONTIER_IDLE_GRACE={IDLE_GRACE}",
        ]
        log = (out / f"log-n{k}.txt").open("wb")
        command = archiver_command(url, out, extra)
        nodes.append(subprocess.Popen(command, cwd=out, env=env, stdout=log, stderr=log))
        log.close()
    try:
        for node in nodes:
            node.wait(timeout=timeout)
        client = redis.Redis(port=port)
        names = [f"n{k}" for k in range(1, count + 1)]
        run.round_trips = sum(
            int(client.hget(f"archiver:node:{n}", "round_trips") or 0) for n in names
        )
        info = client.info("cpu")
        run.redis_cpu = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    finally:
        for node in nodes:
            if node.poll() is None:
                node.kill()
                node.wait()
        server.terminate()
        server.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run.load = (load_before, os.getloadavg()[0])
    run.failed = sum(1 for node in nodes if node.returncode)
    elapsed = []
    for k in range(1, count + 1):
        text = (out / f"log-n{k}.txt").read_text(errors="replace")
        found, responses = _ELAPSED.findall(text), _RESPONSES.findall(text)
        elapsed += [float(found[-1])] if found else []
        run.responses += int(responses[-1]) if responses else 0
        run.articles += _articles(out / f"archive.n{k}.db")
    run.seconds = max(elapsed, default=0.0) - IDLE_GRACE
    return run


def run_single(url: str, out: Path, timeout: float) -> ClusterRun:
    """The crawl in one process, no Redis (the crawl benchmark's run (b))."""
    result = measure("(b) no Redis", archiver_command(url, out, []), out, out / "log.txt", timeout)
    return ClusterRun(
        "(b) 1 process, no Redis",
        responses=result.responses,
        seconds=result.seconds,
        cpu=result.cpu,
        articles=_articles(out / "archive.db"),
        load=result.load,
        failed=1 if result.returncode else 0,
    )


def _articles(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


def print_table(runs: list[ClusterRun]) -> None:
    """One row per run, then how one node on Redis compares with the process without it."""
    print(
        f"{'run':<24} {'responses':>9} {'seconds':>8} {'pages/s':>8} {'CPU s/page':>10}"
        f" {'Redis CPU s':>11} {'round trips/page':>16} {'articles':>8} {'load':>9}"
    )
    for r in runs:
        trips = f"{r.per_page(r.round_trips):>16.2f}" if r.round_trips else f"{'-':>16}"
        redis_cpu = f"{r.redis_cpu:>11.2f}" if r.round_trips else f"{'-':>11}"
        print(
            f"{r.name:<24} {r.responses:>9} {r.seconds:>8.1f} {r.pages_per_second:>8.1f}"
            f" {r.per_page(r.cpu):>10.4f} {redis_cpu} {trips} {r.articles:>8}"
            f" {r.load[0]:>4.1f}-{r.load[1]:<4.1f}" + (f"  ({r.failed} failed)" if r.failed else "")
        )
    single = next((r for r in runs if r.name.startswith("(b)")), None)
    one = next((r for r in runs if r.name.startswith("(c) 1 ")), None)
    if single and one and single.pages_per_second:
        ratio = one.pages_per_second / single.pages_per_second
        print(f"pages/s, 1 node on Redis / 1 process: {ratio:.2f}")


def main(argv: list[str] | None = None) -> int:
    """Build the mirror, serve it, run (b) and (c) with 1, 2, 3 nodes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the mirror")
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 3], help="node counts")
    parser.add_argument("--keep", action="store_true", help="keep the mirror and run outputs")
    parser.add_argument("--workdir", type=Path, default=REPO / ".bench", help="mirror and outputs")
    add_corpus_options(parser)
    args = parser.parse_args(argv)
    if not shutil.which("redis-server"):
        print("redis-server is missing: apt-get install redis-server", file=sys.stderr)
        return 2
    timeout = 120 + args.pages * 0.5
    mirror, built = prepare_mirror(
        args.workdir / f"mirror-{args.pages}", args.pages, unpack(args.corpus, args.eval_dir)
    )
    runs_dir = args.workdir / f"cluster-runs-{os.getpid()}"
    nginx_dir = args.workdir / f"nginx-{os.getpid()}"
    runs: list[ClusterRun] = []
    try:
        with nginx_server(mirror.root, nginx_dir, ensure_nginx()) as url:
            for key in ["single", *map(str, args.nodes)]:
                out = runs_dir / key
                out.mkdir(parents=True)
                run = (
                    run_single(url, out, timeout)
                    if key == "single"
                    else run_nodes(int(key), url, out, timeout)
                )
                print(f"{run.name}: {run.responses} responses in {run.seconds:.1f} s", flush=True)
                runs.append(run)
    finally:
        shutil.rmtree(nginx_dir, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(runs_dir, ignore_errors=True)
            if built:
                shutil.rmtree(mirror.root, ignore_errors=True)
    print(f"mirror: {mirror.articles} articles + {mirror.sections} sections + home")
    print_table(runs)
    return 0 if not any(r.failed for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
