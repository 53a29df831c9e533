"""Scrapy's downloader, holding each host to ``CONCURRENT_REQUESTS_PER_DOMAIN``.

Scrapy 2.19 counts a request as transferring only once its download coroutine starts. Under the
asyncio reactor that coroutine is a task that starts on the next turn of the loop, after
``_process_queue`` has already emptied the host's queue: with no download delay, every queued
request of a host is sent at once (up to ``CONCURRENT_REQUESTS``). Marking the request as
transferring before scheduling its download restores the per-host limit; Scrapy's own code adds
it again (a set) and removes it when the download ends.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PerHostDownloader(Downloader):
    """The downloader with the per-host (per-slot) concurrency limit enforced."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # waiting out the download delay
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when the task gets to run
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay
                self._process_queue(slot)
                break
