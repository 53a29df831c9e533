"""The ``schedules`` table: crawls to run on a timetable, and which of them is running now.

Times are ISO 8601 UTC text, so ``next_run <= now`` compares as text. Runners take a schedule
with compare-and-set updates (``running_pid IS NULL`` and the ``next_run`` they read), so two
runners on one archive never start the same slot, nor two runs of one schedule at once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from storage.errors import ScheduleError


@dataclass(frozen=True, slots=True)
class Schedule:
    """One row of ``schedules``."""

    id: int
    name: str
    every_seconds: int | None
    cron: str | None
    timezone: str | None
    seeds: tuple[str, ...]
    options: dict[str, Any] = field(hash=False)
    created: str
    next_run: str | None
    last_run: str | None
    last_result: str | None
    last_crawl_id: int | None
    running_pid: int | None

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON-ready values."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__} | {
            "seeds": list(self.seeds)
        }


class ScheduleTable:
    """Add, read, take and release schedules; every change is committed at once."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add(
        self,
        name: str,
        *,
        seeds: Sequence[str],
        options: Mapping[str, Any],
        created: str,
        next_run: str,
        every_seconds: int | None = None,
        cron: str | None = None,
        timezone: str | None = None,
    ) -> Schedule:
        """Store a new schedule; a name already taken is an error."""
        try:
            with self.db.conn:
                self.db.execute(
                    """INSERT INTO schedules (name, every_seconds, cron, timezone, seeds, options,
                       created, next_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        name,
                        every_seconds,
                        cron,
                        timezone,
                        json.dumps(list(seeds)),
                        json.dumps(dict(options), sort_keys=True),
                        created,
                        next_run,
                    ],
                )
        except sqlite3.IntegrityError:
            raise ScheduleError(f"a schedule named {name!r} already exists") from None
        return self.get(name)

    def get(self, name: str) -> Schedule:
        """The schedule called ``name``."""
        rows = list(self.db.query("SELECT * FROM schedules WHERE name = ?", [name]))
        if not rows:
            raise ScheduleError(f"no schedule named {name!r}")
        return _schedule(rows[0])

    def all(self) -> list[Schedule]:
        """Every schedule, by name."""
        return [_schedule(row) for row in self.db.query("SELECT * FROM schedules ORDER BY name")]

    def remove(self, name: str) -> Schedule:
        """Delete the schedule called ``name``; its past crawls keep their ``schedule_id``."""
        schedule = self.get(name)
        with self.db.conn:
            self.db.execute("DELETE FROM schedules WHERE id = ?", [schedule.id])
        return schedule

    def claim(self, schedule_id: int, pid: int, due: str | None, next_run: str, now: str) -> bool:
        """Take the slot ``due`` for a run by ``pid``; False if running or the slot was taken."""
        return self._update(
            """UPDATE schedules SET running_pid = ?, last_run = ?, next_run = ?
               WHERE id = ? AND running_pid IS NULL AND next_run IS ?""",
            [pid, now, next_run, schedule_id, due],
        )

    def hand_over(self, schedule_id: int, from_pid: int, to_pid: int) -> bool:
        """Record that the run claimed by ``from_pid`` is now the process ``to_pid``."""
        return self._update(
            "UPDATE schedules SET running_pid = ? WHERE id = ? AND running_pid = ?",
            [to_pid, schedule_id, from_pid],
        )

    def skip(self, schedule_id: int, due: str | None, next_run: str) -> bool:
        """Move past the slot ``due`` without running it."""
        return self._update(
            "UPDATE schedules SET next_run = ? WHERE id = ? AND next_run IS ?",
            [next_run, schedule_id, due],
        )

    def release(self, schedule_id: int, pid: int, result: str, crawl_id: int | None = None) -> bool:
        """End the run held by ``pid``, recording how it ended."""
        return self._update(
            """UPDATE schedules SET running_pid = NULL, last_result = ?,
               last_crawl_id = coalesce(?, last_crawl_id) WHERE id = ? AND running_pid = ?""",
            [result, crawl_id, schedule_id, pid],
        )

    def set_next_run(self, schedule_id: int, next_run: str) -> None:
        """Set when the schedule is next due."""
        self._update("UPDATE schedules SET next_run = ? WHERE id = ?", [next_run, schedule_id])

    def latest_crawl(self, schedule_id: int, since: str) -> dict[str, Any] | None:
        """The newest ``crawls`` row the schedule started at or after ``since``."""
        rows = list(
            self.db.query(
                """SELECT * FROM crawls WHERE schedule_id = ? AND started >= ?
                   ORDER BY id DESC LIMIT 1""",
                [schedule_id, since],
            )
        )
        return rows[0] if rows else None

    def _update(self, sql: str, params: list[Any]) -> bool:
        with self.db.conn:
            cursor = self.db.execute(sql, params)
        return cursor.rowcount == 1


def _schedule(row: dict[str, Any]) -> Schedule:
    return Schedule(
        id=row["id"],
        name=row["name"],
        every_seconds=row["every_seconds"],
        cron=row["cron"],
        timezone=row["timezone"],
        seeds=tuple(json.loads(row["seeds"])),
        options=json.loads(row["options"]),
        created=row["created"],
        next_run=row["next_run"],
        last_run=row["last_run"],
        last_result=row["last_result"],
        last_crawl_id=row["last_crawl_id"],
        running_pid=row["running_pid"],
    )
