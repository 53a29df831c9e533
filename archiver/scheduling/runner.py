"""Start scheduled crawls when they are due, each ``archiver crawl`` in its own process.

A crawl runs in a subprocess because Twisted's reactor cannot start twice in one process. A run
is claimed in SQLite before it starts, so no schedule ever runs twice at once, even with several
runners on one archive. On SIGINT or SIGTERM the runner starts nothing more, passes one SIGINT
to each running crawl (Scrapy then closes gracefully: WARC file and database closed), waits for
them, records how they ended and returns. A second signal is passed on too: Scrapy then stops
at once, as it does for a second Ctrl-C.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

from archiver.scheduling.times import (
    MISSED_COUNT_LIMIT,
    ScheduleTimeError,
    timing_for,
)
from storage.clock import from_iso, to_iso, utc_now
from storage.errors import ScheduleError
from storage.schedules import Schedule, ScheduleTable
from storage.store import open_database

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
# A run whose crawl has not opened yet has no SIGINT handler; wait this long before signalling.
START_GRACE_SECONDS = 30.0
BUSY_TIMEOUT_MS = 60_000  # crawls hold write transactions for a batch of rows


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How one scheduled run ended."""

    name: str
    result: str
    crawl: dict[str, Any] | None
    ok: bool


class StopRequest:
    """SIGINT and SIGTERM counted, for the runner to poll.

    The handler only counts: anything that takes a lock (``threading.Event.set``) could deadlock
    when the signal lands while the main thread holds that lock.
    """

    def __init__(self) -> None:
        self.count = 0

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self.count > 0

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking within a tenth of a second of a signal."""
        deadline = time.monotonic() + seconds
        while not self.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))

    @contextmanager
    def installed(self) -> Iterator[StopRequest]:
        """Handle SIGINT and SIGTERM while the block runs."""
        previous = {
            sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1


@dataclass(slots=True)
class _Run:
    schedule: Schedule
    process: subprocess.Popen[str]
    started: str
    relay: threading.Thread
    began: float
    interrupts: int = 0

    @property
    def pid(self) -> int:
        """The crawl's process id."""
        return self.process.pid


class ScheduleRunner:
    """Start due schedules of one archive and record how their runs end."""

    def __init__(self, db: Path, stop: StopRequest | None = None) -> None:
        self.db_path = db.resolve()
        self.db = open_database(self.db_path)
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.table = ScheduleTable(self.db)
        self.stop = stop or StopRequest()
        self.runs: dict[int, _Run] = {}
        self.outcomes: list[RunOutcome] = []

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def serve(self) -> None:
        """Start runs as schedules come due, until SIGINT or SIGTERM; then wind down."""
        log.info("scheduler started for %s (pid %d)", self.db_path, os.getpid())
        while not self.stop.requested:
            try:
                self.reap()
                self.start_due()
            except sqlite3.Error as exc:  # a locked or unwritable archive: try again shortly
                log.error("cannot read or update schedules in %s: %s", self.db_path, exc)
            self.stop.wait(POLL_SECONDS)
        log.info("stopping: %d run(s) to close", len(self.runs))
        self.wind_down()
        log.info("scheduler stopped")

    def run_once(self) -> list[RunOutcome]:
        """Start every schedule that is due, wait for the runs to end, return how they ended."""
        self.start_due()
        while self.runs and not self.stop.requested:
            self.stop.wait(POLL_SECONDS / 4)
            self.reap()
        self.wind_down()
        return self.outcomes

    def start_due(self) -> None:
        """Start (or, if still running, skip) each schedule whose next run has come."""
        now = utc_now()
        for schedule in self.table.all():
            current = self._clear_if_stale(schedule)
            if current is None or current.next_run is None or from_iso(current.next_run) > now:
                continue
            try:
                self._start_or_skip(current, now)
            except ScheduleTimeError as exc:
                log.error("schedule %s cannot run: %s", current.name, exc)

    def reap(self) -> None:
        """Record the runs that have ended."""
        for schedule_id, run in list(self.runs.items()):
            code = run.process.poll()
            if code is None:
                continue
            run.relay.join(timeout=5)
            del self.runs[schedule_id]
            self._record(run, code)

    def wind_down(self) -> None:
        """Pass a stop request on to running crawls and wait until every one has ended."""
        while self.runs:
            self._forward_stop()
            time.sleep(0.2)
            self.reap()

    # --- starting ---------------------------------------------------------------------------
    def _start_or_skip(self, schedule: Schedule, now: datetime) -> None:
        timing = timing_for(schedule.every_seconds, schedule.cron, schedule.timezone)
        due = schedule.next_run
        next_run, missed = timing.advance(from_iso(due or to_iso(now)), now)
        if schedule.running_pid is not None:
            if self.table.skip(schedule.id, due, to_iso(next_run)):
                log.warning(
                    "schedule %s: %s due at %s skipped: the previous run (pid %d) is still"
                    " going; next run %s",
                    schedule.name,
                    _slots(missed + 1),
                    due,
                    schedule.running_pid,
                    to_iso(next_run),
                )
            return
        if not self.table.claim(schedule.id, os.getpid(), due, to_iso(next_run), to_iso(now)):
            return  # another runner took this slot
        if missed:
            log.warning(
                "schedule %s: %s after %s missed while no scheduler was running; running once now",
                schedule.name,
                _slots(missed),
                due,
            )
        self._spawn(schedule, to_iso(now), to_iso(next_run))

    def _spawn(self, schedule: Schedule, started: str, next_run: str) -> None:
        command = crawl_command(schedule, self.db_path)
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "160"},
                start_new_session=True,  # a Ctrl-C on the terminal reaches the runner only
            )
        except OSError as exc:
            self.table.release(schedule.id, os.getpid(), f"failed to start: {exc}")
            log.error("schedule %s: cannot start the crawl: %s", schedule.name, exc)
            return
        self.table.hand_over(schedule.id, os.getpid(), process.pid)
        assert process.stdout is not None
        relay = threading.Thread(
            target=_relay, args=(schedule.name, process.stdout), name=f"relay-{schedule.name}"
        )
        relay.daemon = True
        relay.start()
        self.runs[schedule.id] = _Run(schedule, process, started, relay, time.monotonic())
        log.info(
            "schedule %s: crawl started (pid %d); next run %s",
            schedule.name,
            process.pid,
            next_run,
        )

    # --- ending -----------------------------------------------------------------------------
    def _forward_stop(self) -> None:
        for run in self.runs.values():
            if run.interrupts >= self.stop.count:
                continue
            first = run.interrupts == 0 and self.stop.count == 1
            waiting = time.monotonic() - run.began < START_GRACE_SECONDS
            if first and waiting and not self._crawl_opened(run):
                continue  # Scrapy installs its graceful handler only once the crawl has opened
            log.info("schedule %s: asking the crawl (pid %d) to stop", run.schedule.name, run.pid)
            with suppress(ProcessLookupError):
                run.process.send_signal(signal.SIGINT)
            run.interrupts += 1

    def _crawl_opened(self, run: _Run) -> bool:
        return self.table.latest_crawl(run.schedule.id, run.started) is not None

    def _record(self, run: _Run, code: int) -> None:
        crawl = self.table.latest_crawl(run.schedule.id, run.started)
        result = describe_result(code, crawl)
        self.table.release(run.schedule.id, run.pid, result, crawl["id"] if crawl else None)
        ok = code == 0 and crawl is not None and crawl["finished"] is not None
        counts = (
            f": {crawl['pages'] or 0} pages, {crawl['articles'] or 0} articles,"
            f" {crawl['errors'] or 0} errors (crawl {crawl['id']})"
            if crawl
            else ""
        )
        (log.info if ok else log.error)("schedule %s: %s%s", run.schedule.name, result, counts)
        self.outcomes.append(RunOutcome(run.schedule.name, result, crawl, ok))

    def _clear_if_stale(self, schedule: Schedule) -> Schedule | None:
        pid = schedule.running_pid
        if pid is None or schedule.id in self.runs or process_alive(pid):
            return schedule
        crawl = self.table.latest_crawl(schedule.id, schedule.last_run or "")
        result = crawl["status"] if crawl and crawl["finished"] else "interrupted"
        if self.table.release(schedule.id, pid, result, crawl["id"] if crawl else None):
            log.warning(
                "schedule %s: its run (pid %d) ended without the scheduler; recorded as %s",
                schedule.name,
                pid,
                result,
            )
        try:
            return self.table.get(schedule.name)
        except ScheduleError:
            return None  # removed meanwhile


def crawl_command(schedule: Schedule, db: Path) -> list[str]:
    """The ``archiver crawl`` command line for one run of ``schedule``."""
    options = schedule.options
    command = [sys.executable, "-m", "archiver", "crawl", "--db", str(db)]
    if options.get("warc_dir"):
        command += ["--warc-dir", str(options["warc_dir"])]
    if options.get("max_pages") is not None:
        command += ["--max-pages", str(options["max_pages"])]
    if options.get("depth") is not None:
        command += ["--depth", str(options["depth"])]
    for name, value in options.get("settings", {}).items():
        command += ["-s", f"{name}={value}"]
    if options.get("refresh"):
        command += ["-s", "CRAWL_REFRESH=True"]
    command += ["-s", f"ARCHIVE_SCHEDULE_ID={schedule.id}", "--", *schedule.seeds]
    return command


def describe_result(code: int, crawl: dict[str, Any] | None) -> str:
    """``last_result`` for a run: the crawl's status, or why there is none."""
    if code < 0:
        return f"failed (killed by signal {-code})"
    if code != 0:
        return f"failed (exit {code})"
    if crawl is None:
        return "failed (no crawl recorded)"
    return str(crawl["status"]) if crawl["finished"] else "interrupted"


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a live archiver process; a pid reused after a reboot is not one."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc here: trust the signal check
    return b"archiver" in cmdline


def _slots(count: int) -> str:
    if count >= MISSED_COUNT_LIMIT:
        return f"{MISSED_COUNT_LIMIT} or more slots"
    return f"{count} slot" + ("" if count == 1 else "s")


def _relay(name: str, stream: IO[str]) -> None:
    """Log the crawl's output line by line, named after its schedule."""
    with stream:
        for line in stream:
            log.info("[%s] %s", name, line.rstrip())
