"""Three nodes crawl one site through a real redis-server; one is killed and started again."""

from __future__ import annotations

import os
import pickle
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.warcread import verify_warc
from tests import newssite
from tests.conftest import REPO, closed_port, rows, run_archiver
from tests.redisserver import RedisServer
from tests.siteserver import SiteServer

PER_HOST = 2
NODE_SETTINGS = (
    "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={PER_HOST}", "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "FRONTIER_LEASE_TIMEOUT=3", "-s", "FRONTIER_IDLE_GRACE=3", "-s", "EXTRACT_WORKERS=1",
    "-s", "LOG_LEVEL=INFO", "-s", "PROGRESS_INTERVAL=1",
)  # fmt: skip


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server on a loopback port for one test."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def start_node(
    work: Path, name: str, frontier: str, seeds: list[str], *extra: str
) -> subprocess.Popen[bytes]:
    """``archiver crawl --frontier URL --node NAME`` in its own process group, logged to a file."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    command = [sys.executable, "-m", "archiver", "crawl", *seeds, "--frontier", frontier,
               "--node", name, "--db", "news.db", "--warc-dir", "warcs",
               *NODE_SETTINGS, *extra]  # fmt: skip
    log = open(work / f"node-{name}.log", "ab")  # noqa: SIM115 - closed below, the child keeps it
    try:
        return subprocess.Popen(
            command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    finally:
        log.close()


def wait_all(nodes: dict[str, subprocess.Popen[bytes]], work: Path, timeout: float = 180) -> None:
    """Wait for every node to exit by itself; fail with its log if one does not, or fails."""
    deadline = time.monotonic() + timeout
    for name, node in nodes.items():
        try:
            node.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in nodes.values():
                os.killpg(other.pid, signal.SIGKILL)
            log = (work / f"node-{name}.log").read_text(errors="replace")
            pytest.fail(f"node {name} did not exit by itself:\n{log[-3000:]}")
        log = (work / f"node-{name}.log").read_text(errors="replace")
        assert node.returncode == 0, f"node {name} failed:\n{log[-3000:]}"


def leased_urls(server: RedisServer, node: str) -> set[str]:
    """The URLs of the requests ``node`` holds leased right now."""
    urls = set()
    for value in server.client().hvals(f"archiver:leases:{node}"):
        data = value.split(b" ", 1)[1]
        urls.add(pickle.loads(data)["url"])
    return urls


def node_pages(server: RedisServer, node: str) -> int:
    """Pages a node has reported in its heartbeat."""
    return int(server.client().hget(f"archiver:node:{node}", "pages") or 0)


def kill_when_busy(
    server: RedisServer, node: subprocess.Popen[bytes], name: str, pages: int
) -> set[str]:
    """SIGKILL ``node`` (and its workers) once it has fetched ``pages`` and holds requests
    leased (between two leases it may hold none); what it held leased."""
    deadline = time.monotonic() + 90
    while node_pages(server, name) < pages or not (held := leased_urls(server, name)):
        assert node.poll() is None, f"node {name} ended before it could be killed"
        assert time.monotonic() < deadline, f"node {name} never held a request to kill it with"
        time.sleep(0.02)
    os.killpg(node.pid, signal.SIGKILL)
    node.wait(timeout=30)
    return held


def test_three_nodes_share_one_frontier_and_survive_a_kill(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    site = SiteServer("127.0.0.9", delay=0.1).start()
    nodes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        stories = newssite.build_many(site, 90)
        url = redis_server.url
        nodes["n1"] = start_node(tmp_path, "n1", url, [site.url])
        nodes["n3"] = start_node(tmp_path, "n3", url, [site.url])  # the same seed: once in all
        nodes["n2"] = victim = start_node(tmp_path, "n2", url, [])  # no seed: joins, works
        held = kill_when_busy(redis_server, victim, "n2", pages=8)
        assert held, "the killed node held no request: nothing was tested"
        deadline = time.monotonic() + 30
        while redis_server.client().exists("archiver:leases:n2"):  # given back by n1 or n3
            assert time.monotonic() < deadline, "the killed node's requests never came back"
            time.sleep(0.1)
        nodes["n2"] = start_node(tmp_path, "n2", url, [])  # the same name: resumes its shard
        wait_all(nodes, tmp_path)
        assert site.max_in_flight <= PER_HOST
        assert site.hits("/") == 1 or site.url in held  # a lease lasts until its items are stored
        assert site.hits("/robots.txt") == 1  # fetched by one node for all of them
    finally:
        site.stop()
        for node in nodes.values():  # a failed assertion must not leave nodes running
            if node.poll() is None:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait(timeout=30)

    shards = {name: tmp_path / f"news.{name}.db" for name in ("n1", "n2", "n3")}
    assert all(shard.exists() for shard in shards.values())
    captured: Counter[str] = Counter()
    articles: set[str] = set()
    for shard in shards.values():
        sql = "SELECT url FROM captures WHERE status = 200 AND record_type = 'response'"
        captured.update(row["url"] for row in rows(shard, sql))
        articles.update(row["url"] for row in rows(shard, "SELECT url FROM articles"))
    twice = {u for u, n in captured.items() if n > 1}
    assert twice <= held, f"fetched twice though not in flight at the kill: {twice - held}"
    assert {story.url(site.url) for story in stories} <= articles
    files = sorted((tmp_path / "warcs").glob("*.warc.gz"))
    named = {m.group(1) for f in files if (m := re.search(r"-(n\d)-\d{17}-", f.name))}
    assert named == {"n1", "n2", "n3"}
    for path in files:
        verify_warc(path)
    n2_files = [f for f in files if "-n2-" in f.name]
    assert n2_files, "the killed node wrote no WARC file"
    n2_records = rows(shards["n2"], "SELECT count(*) FROM captures")[0][0]
    n2_written = sum(_responses(f) for f in n2_files)
    assert n2_records == n2_written  # every record in its series is indexed in its shard

    merged = tmp_path / "news.db"
    folded = run_archiver("merge", *map(str, shards.values()), "--db", str(merged), cwd=tmp_path)
    assert folded.returncode == 0, folded.stderr
    merged_articles = {row["url"] for row in rows(merged, "SELECT url FROM articles")}
    assert merged_articles == articles  # every node's articles, each once (url is unique)
    assert {story.url(site.url) for story in stories} <= merged_articles
    merged_captures = rows(merged, "SELECT count(*) FROM captures")[0][0]
    shard_captures = sum(rows(s, "SELECT count(*) FROM captures")[0][0] for s in shards.values())
    assert merged_captures == shard_captures  # every node's records, pointing at its WARC files

    shown = run_archiver("frontier", "status", "--frontier", redis_server.url, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    for name in ("n1", "n2", "n3"):
        assert name in shown.stdout
    assert "queued: 0   leased: 0" in shown.stdout
    cleared = run_archiver("frontier", "clear", "--frontier", redis_server.url, cwd=tmp_path)
    assert cleared.returncode == 0, cleared.stderr
    assert redis_server.client().keys("archiver:*") == []


def _responses(path: Path) -> int:
    """Response and revisit records in a WARC file."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        return sum(1 for r in ArchiveIterator(fh) if r.rec_type in ("response", "revisit"))


def test_redis_down_at_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    frontier = f"redis://127.0.0.1:{closed_port()}/0"
    result = run_archiver("crawl", "http://127.0.0.1:1/", "--frontier", frontier, "--node", "n1",
                          cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot reach Redis at {frontier}: Error 111 connecting to"
        f" 127.0.0.1:{frontier.split(':')[2].split('/')[0]}. Connection refused."
    ]
    status = run_archiver("frontier", "status", "--frontier", frontier, cwd=tmp_path)
    assert status.returncode == 2
    assert "Traceback" not in status.stderr


def test_frontier_needs_a_node_name(tmp_path: Path, redis_server: RedisServer) -> None:
    result = run_archiver("crawl", "--frontier", redis_server.url, cwd=tmp_path)
    assert result.returncode == 2
    assert "--node" in result.stderr
    bad = run_archiver("crawl", "--frontier", redis_server.url, "--node", "a/b", cwd=tmp_path)
    assert bad.returncode == 2
    assert "node name 'a/b'" in bad.stderr


def test_status_ranks_hosts_and_clear_waits_for_live_nodes(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    client = redis_server.client()
    queued = [f"http://a.example/{n}" for n in range(3)] + ["http://b.example/1"]
    for n, url in enumerate(queued):
        client.zadd("archiver:requests", {pickle.dumps({"url": url, "n": n}): 0})
    client.sadd("archiver:nodes", "x1")
    client.hset("archiver:node:x1", mapping={"state": "running", "pages": 7, "errors": 1})
    client.set("archiver:alive:x1", "elsewhere 1", px=60000)
    shown = run_archiver("frontier", "status", "--frontier", redis_server.url, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "queued: 4" in shown.stdout
    hosts = shown.stdout.split("hosts with most pending requests")[1].split()
    assert hosts[hosts.index("a.example") + 1] == "3"
    assert hosts[hosts.index("b.example") + 1] == "1"
    refused = run_archiver("frontier", "clear", "--frontier", redis_server.url, cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("Error: nodes still running: x1; stop them or give --force")
    assert client.zcard("archiver:requests") == 4
    forced = run_archiver(
        "frontier", "clear", "--frontier", redis_server.url, "--force", cwd=tmp_path
    )
    assert forced.returncode == 0
    assert client.keys("archiver:*") == []
