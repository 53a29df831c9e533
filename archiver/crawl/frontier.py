"""The shared frontier: scrapy-redis's scheduler, with batched round trips and leased requests.

Every node of a crawl schedules into, and takes from, one Redis queue; scrapy-redis's duplicate
filter (a set of request fingerprints) lets each request in once, whichever node found it. Two
changes make it fit a crawl that must lose nothing and stay cheap:

- a request taken from the queue is *leased* to the node (see :mod:`~archiver.crawl.leases`)
  and given up only once the engine is done with it, its links scheduled; a killed node's
  leases go back to the queue;
- requests are scheduled in batches and taken a few at a time, and every step that can wait
  rides in the same pipeline: a page costs a few round trips (three on the benchmark's
  mirror, host politeness included), not one per request scheduled and per link found.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, Self

import redis
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from archiver.crawl.leases import FrontierScripts, lease_id
from archiver.crawl.redis_link import UNREACHABLE, FrontierKeys, connect, redacted

log = logging.getLogger(__name__)

_EMPTY_RECHECK = 0.2  # seconds before asking an empty queue again
_FLUSH_EVERY = 128  # requests scheduled before they are sent without waiting for a take


class Outage:
    """Redis out of reach: how long, when to try again, and a log line at most once a minute."""

    def __init__(self, url: str) -> None:
        self.url = redacted(url)
        self.since: float | None = None
        self.retry_at = 0.0
        self._backoff = 0.5
        self._logged = 0.0
        self.back_at = float("-inf")  # when Redis last came back after an outage

    @property
    def active(self) -> bool:
        """Whether the last attempt failed."""
        return self.since is not None

    def ready(self) -> bool:
        """Whether it is time to try again."""
        return monotonic() >= self.retry_at

    def failed(self, exc: BaseException) -> None:
        """Note a failed attempt; wait longer before the next (up to 30 s)."""
        now = monotonic()
        if self.since is None:
            self.since, self._backoff = now, 0.5
        else:
            self._backoff = min(self._backoff * 2, 30.0)
        self.retry_at = now + self._backoff
        if now - self._logged >= 60.0:
            self._logged = now
            log.warning(
                "Redis at %s unreachable for %.0f s (%s); pausing, retrying with backoff",
                self.url,
                now - self.since,
                exc,
            )

    def recovered(self) -> None:
        """Note a successful attempt after failed ones."""
        if self.since is not None:
            log.warning("Redis at %s is back after %.0f s", self.url, monotonic() - self.since)
            self.back_at = monotonic()
        self.since, self._logged, self.retry_at = None, 0.0, 0.0


@dataclass(slots=True)
class FrontierLink:
    """One crawler's link to the shared frontier: client, keys, scripts, node and settings."""

    client: redis.Redis
    url: str
    keys: FrontierKeys
    scripts: FrontierScripts
    node: str
    lease_timeout: float
    outage: Outage
    scheduler: SharedFrontier | None = None
    extras: dict[str, Any] = field(default_factory=dict)


_LINKS: weakref.WeakKeyDictionary[Crawler, FrontierLink] = weakref.WeakKeyDictionary()


def frontier_link(crawler: Crawler) -> FrontierLink:
    """The crawler's link to the shared frontier (one per crawler); NotConfigured without one."""
    if crawler in _LINKS:
        return _LINKS[crawler]
    settings = crawler.settings
    url = str(settings.get("FRONTIER_URL") or "")
    if not url:
        raise NotConfigured("FRONTIER_URL is not set")
    client = connect(url, str(settings.get("FRONTIER_PASSWORD_ENV") or ""))
    keys = FrontierKeys(str(settings.get("FRONTIER_KEY_PREFIX") or "archiver"))
    link = FrontierLink(
        client=client,
        url=url,
        keys=keys,
        scripts=FrontierScripts(client, keys),
        node=str(settings.get("FRONTIER_NODE") or "node"),
        lease_timeout=settings.getfloat("FRONTIER_LEASE_TIMEOUT"),
        outage=Outage(url),
    )
    _LINKS[crawler] = link
    return link


class SharedFrontier(Scheduler):  # type: ignore[misc]  # scrapy-redis ships no type hints
    """scrapy-redis's scheduler, on the crawl's shared queue, leasing what it hands out."""

    def __init__(self, crawler: Crawler, link: FrontierLink) -> None:
        keys = link.keys
        super().__init__(
            server=link.client,
            persist=True,  # the frontier outlives a node; `archiver frontier clear` empties it
            queue_key=keys.queue,
            queue_cls="scrapy_redis.queue.PriorityQueue",
            dupefilter=RFPDupeFilter(link.client, keys.dupefilter),
        )
        self.crawler = crawler
        self.link = link
        self.stats = crawler.stats
        self.batch = max(1, crawler.settings.getint("FRONTIER_BATCH"))
        self.refresh = crawler.settings.getbool("CRAWL_REFRESH")
        self.pending: list[tuple[str, float, bytes, str]] = []  # scheduled, not yet sent
        self.articles: list[str] = []  # article URLs stored, not yet sent
        self.taken: list[Request] = []  # leased to us, not yet handed to the engine
        self.leased: dict[Request, str] = {}  # handed to the engine: request -> lease id
        self.releasing: list[str] = []  # lease ids done with, not yet given back
        self.empty_until = 0.0
        link.scheduler = self

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, frontier_link(crawler))

    def open(self, spider: Spider) -> None:
        # scrapy-redis's own open() logs through the deprecated Spider.log(); the rest is this.
        self.spider = spider
        self.queue = PriorityQueue(server=self.server, spider=spider, key=self.queue_key)
        requeued = self.link.scripts.requeue(self.link.node, force=True)
        if requeued:  # this node's leases from a run that was killed
            log.warning(
                "node %s: put back %d requests it held when killed", self.link.node, requeued
            )
            self._count("archiver/frontier/requeued at start", requeued)

    def close(self, reason: str) -> None:
        """Send what is buffered; give back what was taken and not finished."""
        self.flush(take=0)
        try:
            back = self.link.scripts.requeue(self.link.node, force=True)
        except UNREACHABLE as exc:
            log.warning("node %s: could not give back its requests (%s)", self.link.node, exc)
            return
        self._count("archiver/frontier/given back at close", back)

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        url = request.url if request.method == "GET" else ""
        data = self.queue._encode_request(request)
        self.pending.append((fingerprint, -request.priority, data, url))
        if len(self.pending) >= _FLUSH_EVERY:
            self.flush(take=0)
        return True

    def next_request(self) -> Request | None:
        if not self.taken and (self.pending or monotonic() >= self.empty_until):
            self.flush(take=self.batch)
        if not self.taken:
            return None
        request = self.taken.pop(0)
        self._count("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        # An empty shared queue is not the end: the node's extension decides when to close.
        return bool(self.taken or self.pending or self.link.outage.active)

    def article_stored(self, url: str) -> None:
        """Remember an archived article for every node (sent with the next round trip)."""
        self.articles.append(url)

    def flush(self, take: int) -> bool:
        """Send scheduled requests, finished leases and stored articles; take up to ``take``
        requests. One round trip; False if Redis is out of reach (nothing is dropped)."""
        outage = self.link.outage
        if outage.active and not outage.ready():
            return False
        self.releasing += self._finished()
        if not (self.pending or self.releasing or self.articles or take):
            return True
        pending, releasing, articles = self.pending, self.releasing, self.articles
        pipe = self.link.client.pipeline(transaction=False)
        scripts, keys, node = self.link.scripts, self.link.keys, self.link.node
        if pending:
            scripts.enqueue(pending, self.refresh, pipe)
        if releasing:
            pipe.hdel(keys.leases(node), *releasing)
        if articles:
            pipe.sadd(keys.articles, *articles)
        if take:
            scripts.take(node, take, pipe)
        try:
            answers = pipe.execute()
        except UNREACHABLE as exc:
            outage.failed(exc)
            return False
        outage.recovered()
        self.pending, self.releasing, self.articles = [], [], []
        if pending:
            self._count_enqueued(answers[0])
        if take:
            self._took(answers[-1], take)
        return True

    def _took(self, taken: list[bytes], asked: int) -> None:
        for data in taken:
            request = self.queue._decode_request(data)
            self.leased[request] = lease_id(data)
            self.taken.append(request)
        self.empty_until = monotonic() + _EMPTY_RECHECK if len(taken) < asked else 0.0

    def _finished(self) -> list[str]:
        """Lease ids of requests the engine is done with (their links already scheduled)."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)  # the engine's set of requests in progress
        busy = slot.inprogress if slot is not None else set()
        done = [r for r in self.leased if r not in busy and r not in self.taken]
        return [self.leased.pop(request) for request in done]

    def _count_enqueued(self, answer: list[int]) -> None:
        figures = self.link.scripts.enqueued(answer)
        self._count("scheduler/enqueued/redis", figures.added)
        self._count("archiver/frontier/duplicates", figures.duplicates)
        self._count("archiver/recrawl/skipped_articles", figures.archived)

    def _count(self, key: str, value: int = 1) -> None:
        if self.stats is not None and value:
            self.stats.inc_value(key, value)
