"""Politeness across nodes: per-host connections, download delays and robots.txt, cluster-wide.

Each host has a lease-with-expiry semaphore in Redis: a node takes a token before it sends a
request and gives it back when the response is in (expiring after the download timeout, so a
killed node's tokens come back too). The host's delay (``DOWNLOAD_DELAY`` or AutoThrottle's) is
a shared "not before" time, so three nodes send no faster than one would.
"""

from __future__ import annotations

import logging
import uuid
from time import monotonic

from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from archiver.crawl.downloader import PerHostDownloader
from archiver.crawl.frontier import FrontierLink, frontier_link
from archiver.crawl.redis_link import UNREACHABLE

log = logging.getLogger(__name__)

_FULL_RETRY = 0.05  # seconds before asking a host that has no free connection again
_ROBOTS_WAIT = 30.0  # seconds to wait for another node's robots.txt before fetching it here


class ClusterDownloader(PerHostDownloader):
    """The downloader, holding each host to its limit and delay across every node."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.link: FrontierLink = frontier_link(crawler)
        self.limit = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 8
        self.expiry_ms = int((crawler.settings.getfloat("DOWNLOAD_TIMEOUT") + 30) * 1000)
        self.tokens: dict[int, dict[Request, str]] = {}  # id(slot) -> request -> token
        self.returning: dict[int, list[str]] = {}  # tokens not given back yet (Redis away)
        self.max_waiting = max(1, crawler.settings.getint("FRONTIER_WAITING"))

    def needs_backout(self) -> bool:
        """Lease no more while enough requests wait for a connection: what this node cannot
        fetch now stays in the shared queue, for nodes that can."""
        waiting = sum(len(slot.queue) for slot in self.slots.values())
        return bool(super().needs_backout()) or waiting >= self.max_waiting

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # waiting for the host's delay, a free connection, or Redis
        held = self.tokens.setdefault(id(slot), {})
        done = [request for request in held if request not in slot.transferring]
        release = self.returning.pop(id(slot), []) + [held.pop(r) for r in done]
        want = [uuid.uuid4().hex for _ in range(min(len(slot.queue), slot.free_transfer_slots()))]
        if not want and not release:
            return
        key = self._slot_key(slot)
        delay_ms = int(slot.download_delay() * 1000)
        try:
            grant = self.link.scripts.host_slots(
                key, self.link.node, self.limit, self.expiry_ms, delay_ms, release, want
            )
        except UNREACHABLE as exc:
            self.returning[id(slot)] = release
            self.link.outage.failed(exc)
            wait = max(self.link.outage.retry_at - monotonic(), 0.1)
            slot.latercall = call_later(wait, self._latercall, slot)
            return
        self.link.outage.recovered()
        now = monotonic()
        for token in want[: grant.granted]:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            held[request] = token
            slot.transferring.add(request)  # counted now, not when the task gets to run
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
        if slot.queue and (grant.wait_ms or grant.granted < len(want)):
            wait = grant.wait_ms / 1000 if grant.wait_ms else _FULL_RETRY
            slot.latercall = call_later(wait, self._latercall, slot)

    def _slot_key(self, slot: Slot) -> str:
        for key, candidate in self.slots.items():
            if candidate is slot:
                return key
        return "?"


class ClusterRobotsTxt(RobotsTxtMiddleware):
    """robots.txt fetched by one node for the whole cluster, its body shared through Redis.

    Besides sparing the site, this keeps robots.txt out of every shard but one.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.link: FrontierLink = frontier_link(crawler)
        self.ttl = max(60, int(crawler.settings.getfloat("FRONTIER_ROBOTS_TTL")))

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            body = await self._shared(netloc)
            if body is not None:
                parser = build_from_crawler(self._parserimpl, self.crawler, body)
                self._parsers[netloc] = parser
                self._stats.inc_value("archiver/frontier/robots shared")
        return await super().robot_parser(request)

    async def _shared(self, netloc: str) -> bytes | None:
        """The body another node fetched; None once this node has become the one to fetch it."""
        keys, client = self.link.keys, self.link.client
        deadline = monotonic() + _ROBOTS_WAIT
        while monotonic() < deadline:
            try:
                body = client.get(keys.robots(netloc))
                if body is not None:
                    return body if isinstance(body, bytes) else body.encode()
                if client.set(keys.robots_lock(netloc), self.link.node, nx=True, ex=60):
                    return None
            except UNREACHABLE:
                pass  # Redis is away: wait for it (as the frontier does) rather than fetch twice
            await _sleep(0.2)
        return None  # nobody shared it in time: fetch it here

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        self._publish(netloc, response.body)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._publish(netloc, b"")  # like Scrapy here: no rules
        super()._robots_error(exc, netloc)

    def _publish(self, netloc: str, body: bytes) -> None:
        try:
            self.link.client.set(self.link.keys.robots(netloc), body, ex=self.ttl)
        except UNREACHABLE as exc:
            log.warning("could not share robots.txt of %s (%s)", netloc, exc)


async def _sleep(seconds: float) -> None:
    """Wait without blocking the reactor."""
    from twisted.internet import reactor

    waiter: Deferred[None] = deferLater(reactor, seconds, lambda: None)
    await maybe_deferred_to_future(waiter)
