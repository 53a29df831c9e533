"""A shared crawl when Redis goes away, asks for a password, or nodes share a host's delay."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import newssite
from tests.conftest import closed_port, rows, run_archiver
from tests.redisserver import RedisServer
from tests.siteserver import Route, SiteServer
from tests.test_cluster import node_pages, start_node, wait_all


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """A slow news site of 40 articles."""
    server = SiteServer("127.0.0.10", delay=0.1)
    server.stories = newssite.build_many(server, 40)  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


def story_urls(site: SiteServer) -> set[str]:
    """The URLs of the site's articles."""
    return {story.url(site.url) for story in site.stories}  # type: ignore[attr-defined]


def archived(work: Path, *names: str) -> tuple[set[str], Counter[str]]:
    """Article URLs across the nodes' shards, and how often each URL was captured with 200."""
    articles: set[str] = set()
    captured: Counter[str] = Counter()
    for name in names:
        shard = work / f"news.{name}.db"
        articles.update(r["url"] for r in rows(shard, "SELECT url FROM articles"))
        sql = "SELECT url FROM captures WHERE status = 200 AND record_type = 'response'"
        captured.update(r["url"] for r in rows(shard, sql))
    return articles, captured


def test_nodes_pause_while_redis_is_away_and_lose_nothing(tmp_path: Path, site: SiteServer) -> None:
    server = RedisServer(tmp_path / "redis", "--appendonly", "yes", "--appendfsync", "always")
    server.start()
    try:
        nodes = {name: start_node(tmp_path, name, server.url, [site.url]) for name in ("n1", "n2")}
        deadline = time.monotonic() + 60
        while node_pages(server, "n1") + node_pages(server, "n2") < 8:
            assert time.monotonic() < deadline, "the nodes did not get going"
            time.sleep(0.05)
        server.stop()  # SIGTERM: the append-only file keeps the frontier
        time.sleep(4)
        assert all(node.poll() is None for node in nodes.values()), "a node gave up on Redis"
        server.start()
        wait_all(nodes, tmp_path)
    finally:
        server.stop()
    articles, captured = archived(tmp_path, "n1", "n2")
    assert articles == story_urls(site)
    assert [url for url, n in captured.items() if n > 1] == []
    logs = "".join((tmp_path / f"node-{n}.log").read_text() for n in ("n1", "n2"))
    assert "unreachable" in logs
    assert "is back after" in logs
    assert logs.count("unreachable for") <= 4  # once a minute per node, not once per retry


def test_a_password_from_the_environment(tmp_path: Path, site: SiteServer) -> None:
    server = RedisServer(tmp_path / "redis", "--requirepass", "s3cret-word").start()
    try:
        refused = run_archiver("crawl", site.url, "--frontier", server.url, "--node", "n1",
                               cwd=tmp_path)  # fmt: skip
        assert refused.returncode == 2
        assert len(refused.stderr.strip().splitlines()) == 1
        assert "refused" in refused.stderr
        os.environ["ARCHIVER_REDIS_PASSWORD"] = "s3cret-word"
        try:
            node = start_node(tmp_path, "n1", server.url, [site.url])
            wait_all({"n1": node}, tmp_path)
            shown = run_archiver("frontier", "status", "--frontier", server.url, cwd=tmp_path)
        finally:
            del os.environ["ARCHIVER_REDIS_PASSWORD"]
        assert shown.returncode == 0, shown.stderr
        assert "n1" in shown.stdout
        log = (tmp_path / "node-n1.log").read_text()
        assert "s3cret-word" not in log + shown.stdout
    finally:
        server.stop()
    articles, _ = archived(tmp_path, "n1")
    assert articles == story_urls(site)


def test_the_download_delay_holds_across_nodes(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    site = SiteServer("127.0.0.11")
    newssite.build_many(site, 8, per_page=4)
    started: list[float] = []
    site.routes = {path: _timed(route, started) for path, route in site.routes.items()}
    site.start()
    try:
        delay = ("-s", "DOWNLOAD_DELAY=0.4", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False")
        nodes = {n: start_node(tmp_path, n, server.url, [site.url], *delay) for n in ("n1", "n2")}
        wait_all(nodes, tmp_path)
    finally:
        site.stop()
        server.stop()
    assert len(started) >= 10
    gaps = [b - a for a, b in zip(sorted(started), sorted(started)[1:], strict=False)]
    assert min(gaps) >= 0.3, gaps  # two nodes, yet one request per delay to the host


def test_keep_alive_waits_for_new_seeds(tmp_path: Path, site: SiteServer) -> None:
    server = RedisServer(tmp_path / "redis").start()
    waiting = start_node(tmp_path, "w1", server.url, [], "--keep-alive")
    try:
        time.sleep(6)  # twice the idle grace
        assert waiting.poll() is None, "a --keep-alive node exited on an idle frontier"
        twin = run_archiver("crawl", "--frontier", server.url, "--node", "w1", cwd=tmp_path)
        assert twin.returncode == 2
        assert twin.stderr.strip() == f"Error: node w1 is already running here (pid {waiting.pid})"
        seeded = start_node(tmp_path, "n1", server.url, [site.url])
        wait_all({"n1": seeded}, tmp_path)
        assert waiting.poll() is None
        assert node_pages(server, "w1") > 0  # it took its share of the new seed's pages
        os.killpg(waiting.pid, signal.SIGINT)
        waiting.wait(timeout=60)
        assert waiting.returncode == 0
    finally:
        if waiting.poll() is None:
            os.killpg(waiting.pid, signal.SIGKILL)
            waiting.wait()
        server.stop()
    articles, captured = archived(tmp_path, "n1", "w1")
    assert articles == story_urls(site)
    assert max(captured.values()) == 1


def _timed(route: Route, started: list[float]) -> Route:
    def handle(handler: object) -> None:
        started.append(time.monotonic())
        route(handler)  # type: ignore[arg-type]

    return handle


def test_tls_and_an_acl_user(tmp_path: Path) -> None:
    certs = tmp_path / "tls"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(certs / "key.pem"), "-out", str(certs / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    tls_port = closed_port()
    server = RedisServer(
        tmp_path / "redis", "--requirepass", "admin-word", "--tls-port", str(tls_port),
        "--tls-cert-file", str(certs / "cert.pem"), "--tls-key-file", str(certs / "key.pem"),
        "--tls-ca-cert-file", str(certs / "cert.pem"), "--tls-auth-clients", "no",
    ).start()  # fmt: skip
    site = SiteServer("127.0.0.12")
    stories = newssite.build_many(site, 6)
    site.start()
    server.client().acl_setuser(
        "crawler",
        enabled=True,
        passwords=["+crawler-word"],
        keys=["archiver:*"],
        commands=["+@all"],
    )
    url = f"rediss://crawler@127.0.0.1:{tls_port}/0?ssl_ca_certs={certs / 'cert.pem'}"
    os.environ["ARCHIVER_REDIS_PASSWORD"] = "crawler-word"
    try:
        node = start_node(tmp_path, "n1", url, [site.url])
        wait_all({"n1": node}, tmp_path)
        shown = run_archiver("frontier", "status", "--frontier", url, cwd=tmp_path)
    finally:
        del os.environ["ARCHIVER_REDIS_PASSWORD"]
        site.stop()
        server.stop()
    assert shown.returncode == 0, shown.stderr
    assert "n1" in shown.stdout
    articles, _ = archived(tmp_path, "n1")
    assert articles == {story.url(site.url) for story in stories}


def test_a_password_in_the_url_works_and_is_never_logged(tmp_path: Path, site: SiteServer) -> None:
    server = RedisServer(tmp_path / "redis", "--requirepass", "url-word").start()
    url = f"redis://:url-word@127.0.0.1:{server.port}/0"
    try:
        node = start_node(tmp_path, "n1", url, [site.url])
        wait_all({"n1": node}, tmp_path)
        shown = run_archiver("frontier", "status", "--frontier", url, cwd=tmp_path)
    finally:
        server.stop()
    assert shown.returncode == 0, shown.stderr
    log = (tmp_path / "node-n1.log").read_text()
    assert "url-word" not in log + shown.stdout + shown.stderr
    settings = rows(tmp_path / "news.n1.db", "SELECT settings FROM crawls")[0][0]
    assert "url-word" not in settings
    articles, _ = archived(tmp_path, "n1")
    assert articles == story_urls(site)
