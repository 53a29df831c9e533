"""One node of a shared crawl: its heartbeat, its figures, and when it may stop."""

from __future__ import annotations

import logging
import os
import socket
from time import monotonic, time
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet.task import LoopingCall

from archiver.crawl.frontier import FrontierLink, frontier_link
from archiver.crawl.items import PageItem
from archiver.crawl.plan import plan_from
from archiver.crawl.redis_link import UNREACHABLE, RoundTrips
from archiver.crawl.stats import ERROR_PREFIX
from archiver.extraction.pagekind import ARTICLE

log = logging.getLogger(__name__)


def node_identity() -> str:
    """What a node's heartbeat holds: the machine and process running it."""
    return f"{socket.gethostname()} {os.getpid()}"


class ClusterNode:
    """Extension: beat, publish the node's figures, give back dead nodes' leases, and keep the
    node open until the whole cluster has been idle for ``FRONTIER_IDLE_GRACE`` seconds."""

    def __init__(self, crawler: Crawler, link: FrontierLink) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.link = link
        self.interval = settings.getfloat("FRONTIER_HEARTBEAT")
        self.grace = settings.getfloat("FRONTIER_IDLE_GRACE")
        self.keep_alive = settings.getbool("FRONTIER_KEEP_ALIVE")
        self.idle_since: float | None = None
        self.loop: LoopingCall | None = None
        self.started = time()
        self.seeds = -1  # shared seeds the spider's plan was made from (-1: its own only)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("FRONTIER_URL"):
            raise NotConfigured("FRONTIER_URL is not set")
        node = cls(crawler, frontier_link(crawler))
        crawler.signals.connect(node.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(node.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(node.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(node.spider_closed, signal=signals.spider_closed)
        return node

    def spider_opened(self) -> None:
        self.loop = LoopingCall(self.beat)
        self.loop.start(self.interval, now=True)

    def item_scraped(self, item: Any) -> None:
        scheduler = self.link.scheduler
        stored = isinstance(item, PageItem) and item.kind == ARTICLE and item.article is not None
        if stored and scheduler is not None:
            scheduler.article_stored(item.url)

    def spider_idle(self) -> None:
        """Keep the node open while the cluster has work, or the idle grace is not over."""
        if self.keep_alive or self.idle_since is None:
            raise DontCloseSpider
        if monotonic() - self.idle_since < self.grace:
            raise DontCloseSpider
        log.info(
            "node %s: the shared frontier has been idle for %.0f s", self.link.node, self.grace
        )

    def beat(self) -> None:
        """Once per interval: heartbeat, figures, flush, dead nodes' leases, idleness."""
        link = self.link
        scheduler = link.scheduler
        if scheduler is not None:
            scheduler.flush(take=0)
        if link.outage.active and not link.outage.ready():
            self.idle_since = None
            return
        try:
            queued, leased = self._publish_and_look()
        except UNREACHABLE as exc:
            link.outage.failed(exc)
            self.idle_since = None
            return
        link.outage.recovered()
        local = scheduler is not None and bool(scheduler.taken or scheduler.pending)
        if queued or leased or local:
            self.idle_since = None
            if scheduler is not None:
                scheduler.empty_until = 0.0
            self._wake_engine()
        elif self.idle_since is None:
            self.idle_since = monotonic()

    def _publish_and_look(self) -> tuple[int, int]:
        """Beat and publish figures; requeue dead nodes' leases; the queue and lease counts."""
        link, keys = self.link, self.link.keys
        pipe = link.client.pipeline(transaction=False)
        ttl = max(1, int(link.lease_timeout * 1000))
        pipe.set(keys.alive(link.node), node_identity(), px=ttl)
        pipe.hset(keys.node(link.node), mapping=self.figures())
        pipe.sadd(keys.nodes, link.node)
        pipe.smembers(keys.nodes)
        pipe.zcard(keys.queue)
        pipe.scard(keys.seeds)
        answers = pipe.execute()
        if int(answers[5]) != self.seeds:
            self._replan()
        nodes = sorted(_text(n) for n in answers[3])
        pipe = link.client.pipeline(transaction=False)
        for name in nodes:
            pipe.hlen(keys.leases(name))
            pipe.exists(keys.alive(name))
        counts = pipe.execute()
        leased = 0
        for i, name in enumerate(nodes):
            held, alive = int(counts[2 * i]), int(counts[2 * i + 1])
            if name == link.node:
                held -= self._orphans(held)
            # After an outage no node could beat: give them a lease timeout to be seen again.
            back_for = monotonic() - link.outage.back_at
            judging = not link.outage.active and back_for >= link.lease_timeout
            if held and not alive and judging:
                back = link.scripts.requeue(name)
                if back > 0:
                    log.warning("node %s is gone: put back %d requests it held", name, back)
                    self._count("archiver/frontier/requeued from dead nodes", back)
                    held = 0
            leased += held
        return int(answers[4]), leased

    def _replan(self) -> None:
        """Plan the crawl again from every shared seed: a node that joined before another was
        given seeds learns the hosts it may visit."""
        spider = self.crawler.spider
        shared = sorted(_text(s) for s in self.link.client.smembers(self.link.keys.seeds))
        own = list(getattr(spider, "seeds", []))
        seeds = own + [seed for seed in shared if seed not in own]
        if seeds != own or self.seeds < 0:
            plan = plan_from(seeds, self.crawler.settings)
            spider.plan = plan  # type: ignore[union-attr]
            spider.seeds = plan.seeds  # type: ignore[union-attr]
            spider.allowed_domains = list(plan.hosts)  # type: ignore[union-attr]
        self.seeds = len(shared)

    def _orphans(self, held: int) -> int:
        """Give back leases Redis holds for this node that the node never received (a take
        whose answer was lost with the connection); how many."""
        scheduler = self.link.scheduler
        if scheduler is None:
            return 0
        known = set(scheduler.leased.values()) | set(scheduler.releasing)
        if held <= len(known):
            return 0
        ids = [_text(i) for i in self.link.client.hkeys(self.link.keys.leases(self.link.node))]
        orphans = [i for i in ids if i not in known]
        back = self.link.scripts.requeue_some(self.link.node, orphans)
        if back:
            log.warning(
                "node %s: put back %d requests whose lease was never received", self.link.node, back
            )
        return back

    def figures(self) -> dict[Any, Any]:
        """What ``archiver frontier status`` shows of this node."""
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        errors = sum(int(v) for k, v in stats.items() if k.startswith(ERROR_PREFIX))
        errors += int(stats.get("downloader/exception_count", 0))
        return {
            "identity": node_identity(),
            "state": "running",
            "started": round(self.started, 3),
            "last_seen": round(time(), 3),
            "pages": int(stats.get("response_received_count", 0)),
            "errors": errors,
            "round_trips": RoundTrips.count,
        }

    def _wake_engine(self) -> None:
        """Ask the engine for requests now rather than at its next 5-second heartbeat."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        link, keys = self.link, self.link.keys
        figures = self.figures()
        figures["state"] = "finished"
        try:
            pipe = link.client.pipeline(transaction=False)
            pipe.hset(keys.node(link.node), mapping=figures)
            pipe.delete(keys.alive(link.node))
            pipe.execute()
        except UNREACHABLE as exc:
            log.warning("node %s: could not record its end in Redis (%s)", link.node, exc)
        self._count("archiver/frontier/round trips", RoundTrips.count)

    def _count(self, key: str, value: int) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, value)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
