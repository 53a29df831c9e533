"""What a shared crawl looks like from outside: its nodes, its queue, its busiest hosts."""

from __future__ import annotations

import pickle
from collections import Counter
from dataclasses import dataclass, field
from time import time
from urllib.parse import urlsplit

import redis

from archiver.crawl.redis_link import UNREACHABLE, FrontierError, FrontierKeys, redacted

SAMPLE = 20000  # queued requests read to rank hosts


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """One node as its heartbeat and figures show it."""

    name: str
    alive: bool
    state: str
    last_seen: float  # seconds since the epoch
    pages: int
    errors: int
    round_trips: int
    leased: int


@dataclass(slots=True)
class FrontierStatus:
    """The shared crawl: nodes, requests queued and leased, hosts with most queued."""

    nodes: list[NodeStatus] = field(default_factory=list)
    queued: int = 0
    leased: int = 0
    seen: int = 0
    articles: int = 0
    hosts: list[tuple[str, int]] = field(default_factory=list)
    sampled: int = 0  # queued requests read to rank the hosts
    checked_at: float = field(default_factory=time)


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


def frontier_status(
    client: redis.Redis, keys: FrontierKeys, url: str, top: int = 10
) -> FrontierStatus:
    """Read the crawl's state (a handful of round trips; never changes it)."""
    try:
        names = sorted(_text(n) for n in client.smembers(keys.nodes))
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.hgetall(keys.node(name))
            pipe.exists(keys.alive(name))
            pipe.hlen(keys.leases(name))
        pipe.zcard(keys.queue)
        pipe.scard(keys.dupefilter)
        pipe.scard(keys.articles)
        pipe.zrange(keys.queue, 0, SAMPLE - 1)
        answers = pipe.execute()
    except UNREACHABLE as exc:
        raise FrontierError(f"cannot reach Redis at {redacted(url)}: {exc}") from exc
    status = FrontierStatus()
    for i, name in enumerate(names):
        figures = {_text(k): _text(v) for k, v in answers[3 * i].items()}
        leased = int(answers[3 * i + 2])
        status.nodes.append(
            NodeStatus(
                name=name,
                alive=bool(answers[3 * i + 1]),
                state=figures.get("state", "?"),
                last_seen=float(figures.get("last_seen") or 0),
                pages=int(figures.get("pages") or 0),
                errors=int(figures.get("errors") or 0),
                round_trips=int(figures.get("round_trips") or 0),
                leased=leased,
            )
        )
        status.leased += leased
    status.queued, status.seen, status.articles, sample = answers[3 * len(names) :]
    status.hosts = _busiest(sample, top)
    status.sampled = len(sample)
    return status


def _busiest(sample: list[bytes], top: int) -> list[tuple[str, int]]:
    """Hosts with most requests among ``sample`` (scrapy-redis's pickled request dicts)."""
    hosts: Counter[str] = Counter()
    for data in sample:
        try:
            request = pickle.loads(data)
            hosts[urlsplit(str(request["url"])).netloc] += 1
        except Exception:  # noqa: BLE001 - a status never fails on one odd entry
            hosts["?"] += 1
    return hosts.most_common(top)


def clear_frontier(client: redis.Redis, keys: FrontierKeys, url: str, force: bool = False) -> int:
    """Delete every key of a finished crawl; the number deleted.

    Refuses while a node is alive (its heartbeat has not expired), unless ``force``.
    """
    try:
        if not force:
            alive = [
                _text(n) for n in client.smembers(keys.nodes) if client.exists(keys.alive(_text(n)))
            ]
            if alive:
                raise FrontierError(
                    f"nodes still running: {', '.join(sorted(alive))}; stop them or give --force"
                )
        deleted = 0
        batch: list[bytes] = []
        for key in client.scan_iter(match=keys.pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += int(client.delete(*batch))
                batch = []
        if batch:
            deleted += int(client.delete(*batch))
    except UNREACHABLE as exc:
        raise FrontierError(f"cannot reach Redis at {redacted(url)}: {exc}") from exc
    return deleted
