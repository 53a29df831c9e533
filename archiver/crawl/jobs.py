"""Named crawl jobs: a folder holding the frontier, one run at a time, safe to kill.

Scrapy keeps a job's frontier in ``JOBDIR`` (the request queue and the fingerprints of requests
seen), but writes the queue's bookkeeping only when the spider closes cleanly. After a kill those
files describe an older state, so a run that finds the previous one did not close sets them aside
and starts its frontier afresh: the seeds are crawled again, and every URL the job has already
archived is answered from its WARC files (:mod:`~archiver.crawl.resume`): nothing is fetched twice.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
from pathlib import Path
from typing import IO, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from archiver.crawl.stats import FAILURE

log = logging.getLogger(__name__)

JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# Scrapy's frontier files: consistent after a clean close only.
_FRONTIER = ("requests.queue", "requests.seen", "spider.state")
PROBE_BYTES = 16 * 1024  # room for a job's first frontier writes, checked before it starts
_RUNNING = "running"
_LOCK = "lock"


class JobError(Exception):
    """A job name that cannot be used, or a job that is already running."""


def check_job_name(name: str) -> str:
    """``name`` if it can name a job folder and a WARC ``isPartOf`` field."""
    if not JOB_NAME.match(name):
        raise JobError(
            f"job name {name!r} must start with a letter or digit and use only letters,"
            " digits, '.', '_' and '-'"
        )
    return name


def job_dir(settings: BaseSettings) -> Path:
    """The folder of the job named by ``JOB_NAME``: under ``JOBS_DIR``, or beside ``WARC_DIR``."""
    name = check_job_name(str(settings.get("JOB_NAME")))
    warcs = Path(str(settings.get("WARC_DIR") or "warcs"))
    return Path(settings.get("JOBS_DIR") or warcs.parent / "jobs") / name


def ensure_idle(directory: Path) -> None:
    """Raise :class:`JobError` if a run of the job in ``directory`` holds its lock now."""
    path = directory / _LOCK
    if not path.exists():
        return
    with open(path, "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise JobError(f"job {directory.name!r} is already running") from exc
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def ensure_writable(directory: Path) -> None:
    """Raise :class:`JobError` unless the job folder can be created and written to (a full
    disk would otherwise fail the crawl's start with a traceback)."""
    probe = directory / ".probe"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as file:
            file.write(b"\0" * PROBE_BYTES)
            file.flush()
            os.fsync(file.fileno())
    except OSError as exc:
        raise JobError(
            f"cannot write to the job folder {directory}: {exc.strerror or exc};"
            " make room and crawl again"
        ) from exc
    finally:
        probe.unlink(missing_ok=True)


class JobState:
    """Hold the job's lock for the run; after a killed run, set its stale frontier files aside."""

    def __init__(self, crawler: Crawler, directory: Path, lock: IO[str], crashed: bool) -> None:
        self.crawler = crawler
        self.directory = directory
        self.lock = lock
        self.crashed = crashed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.get("JOB_NAME") or not settings.get("JOBDIR"):
            raise NotConfigured  # a one-off crawl: nothing to keep (and nothing to log)
        directory = Path(settings["JOBDIR"])
        directory.mkdir(parents=True, exist_ok=True)
        lock = open(directory / _LOCK, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.close()
            raise JobError(f"job {settings['JOB_NAME']!r} is already running") from exc
        marker = directory / _RUNNING
        crashed = marker.exists()
        if crashed:
            set_aside_frontier(directory)
        marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
        state = cls(crawler, directory, lock, crashed)
        crawler.signals.connect(state.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(state.spider_closed, signal=signals.spider_closed)
        return state

    def spider_opened(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archiver/job/after_kill", self.crashed)
        if self.crashed:
            log.warning(
                "job %s: the previous run did not close; resuming from its WARC files",
                self.directory.name,
            )

    def spider_closed(self) -> None:
        """The scheduler has written its queue by now: the frontier files are consistent.

        Unless the crawl stopped on a failure (a full disk): pages it fetched but could not
        archive are in Scrapy's seen set, so the next run starts its frontier afresh, as after
        a kill.
        """
        assert self.crawler.stats is not None
        if not self.crawler.stats.get_value(FAILURE):
            (self.directory / _RUNNING).unlink(missing_ok=True)
        fcntl.flock(self.lock.fileno(), fcntl.LOCK_UN)
        self.lock.close()


def set_aside_frontier(directory: Path) -> None:
    """Move Scrapy's frontier files of a killed run into ``stale/`` (replacing older ones)."""
    stale = directory / "stale"
    shutil.rmtree(stale, ignore_errors=True)
    stale.mkdir()
    for name in _FRONTIER:
        path = directory / name
        if path.exists():
            path.rename(stale / name)
