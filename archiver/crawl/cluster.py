"""Joining a shared crawl: the settings a node runs with, its shard's name, its seeds."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from archiver.crawl.redis_link import (
    FrontierError,
    FrontierKeys,
    check_node_name,
    check_reachable,
    connect,
)

_ROBOTS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"


def shard_path(db: Path, node: str) -> Path:
    """The node's SQLite shard: the node name before the suffix (``news.db`` -> ``news.n1.db``)."""
    check_node_name(node)
    return (
        db.with_name(f"{db.stem}.{node}{db.suffix}")
        if db.suffix
        else db.with_name(f"{db.name}.{node}")
    )


def node_overrides(url: str | None, node: str, keep_alive: bool) -> dict[str, Any]:
    """Settings for ``--frontier``, ``--node`` and ``--keep-alive``."""
    values: dict[str, Any] = {"FRONTIER_NODE": check_node_name(node)}
    if url:
        values["FRONTIER_URL"] = url
    if keep_alive:
        values["FRONTIER_KEEP_ALIVE"] = True
    return values


def node_job(job: str, node: str) -> str:
    """The job a node runs as: ``--job`` with the node's name after it, or the node's name."""
    if job == node or job.endswith(f".{node}"):
        return job
    return f"{job}.{node}" if job else node


class ClusterSettings:
    """Add-on: with ``FRONTIER_NODE``, name the WARC series and job after the node; with
    ``FRONTIER_URL`` too, swap in the shared scheduler, downloader, robots.txt and heartbeat."""

    def update_settings(self, settings: Settings) -> None:
        """Called by Scrapy's add-on manager before any component reads its settings."""
        node = str(settings.get("FRONTIER_NODE") or "")
        if node:
            prefix = str(settings.get("WARC_PREFIX") or "archiver-{host}-{pid}")
            if not prefix.endswith(f"-{node}"):
                _set(settings, "WARC_PREFIX", f"{prefix}-{node}")
            # The job is what a restarted node resumes: its own WARC files, its own shard.
            _set(settings, "JOB_NAME", node_job(str(settings.get("JOB_NAME") or ""), node))
        if not settings.get("FRONTIER_URL"):
            return
        _set(settings, "SCHEDULER", "archiver.crawl.frontier.SharedFrontier")
        _set(settings, "DOWNLOADER", "archiver.crawl.politeness.ClusterDownloader")
        middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
        middlewares[_ROBOTS] = None
        middlewares["archiver.crawl.politeness.ClusterRobotsTxt"] = 100  # where Scrapy's sits
        _set(settings, "DOWNLOADER_MIDDLEWARES", middlewares)
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["archiver.crawl.cluster_node.ClusterNode"] = 110
        _set(settings, "EXTENSIONS", extensions)


def _set(settings: Settings, name: str, value: object) -> None:
    """Replace a setting at the priority it had (at least an add-on's): over the project's
    value, under a value given on the command line."""
    settings.set(name, value, priority=max(settings.getpriority(name) or 0, 15))


def prepare_node(
    url: str, node: str, seeds: list[str], password_env: str = "", prefix: str = "archiver"
) -> list[str]:
    """Check the server and the node name, add ``seeds`` to the shared ones; all the seeds.

    Every node plans the crawl from every seed (which hosts it may visit); the duplicate filter
    lets each seed's request into the frontier once.
    """
    client = connect(url, password_env)
    check_reachable(client, url)
    keys = FrontierKeys(prefix)
    try:
        _check_not_running(client.get(keys.alive(node)), node)
        given = [seed if "://" in seed else f"http://{seed}" for seed in seeds]
        if given:
            client.sadd(keys.seeds, *given)
        shared = sorted(_text(s) for s in client.smembers(keys.seeds))
    finally:
        client.close()
    return given + [seed for seed in shared if seed not in given]


def _check_not_running(identity: bytes | str | None, node: str) -> None:
    """Refuse a node name whose heartbeat shows another live process."""
    if identity is None:
        return
    host, _, pid = (
        identity.decode(errors="replace") if isinstance(identity, bytes) else identity
    ).partition(" ")
    if host != socket.gethostname():
        raise FrontierError(f"node {node} is already running on {host}; give another --node")
    if pid.isdigit() and int(pid) != os.getpid() and _process_alive(int(pid)):
        raise FrontierError(f"node {node} is already running here (pid {pid})")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
