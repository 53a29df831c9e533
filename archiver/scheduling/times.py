"""When schedules are due: ``--every`` intervals, and five-field cron in a time zone.

Interval schedules run every N seconds of real (UTC) time, on slots anchored at their first run.
Cron schedules follow the wall clock of their time zone, across daylight-saving changes: a daily
09:00 job stays at 09:00 local time, 23 or 25 hours apart in UTC. A wall time that does not exist
(spring forward) runs at the first valid instant after it, the moment the clocks jump; a wall time
that happens twice (fall back) runs once, at its first occurrence.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIN_INTERVAL_SECONDS = 60
MISSED_COUNT_LIMIT = 10_000  # counting missed slots stops here (a minutely cron off for weeks)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^(?:\d+[smhdw])+$")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]  # February as in a leap year
_SEARCH_DAYS = 366 * 9  # 29 February can be eight years away (2096 -> 2104)


class ScheduleTimeError(ValueError):
    """A schedule's interval, cron expression or time zone cannot be used; one line."""


# --- intervals ------------------------------------------------------------------------------
def parse_every(text: str) -> int:
    """Seconds in a duration such as ``90s``, ``30m``, ``2h``, ``1d`` or ``1h30m``."""
    value = text.strip().lower()
    if not _DURATION.match(value):
        raise ScheduleTimeError(f"expected a duration like 90s, 30m, 2h or 1d, got {text!r}")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in re.findall(r"(\d+)([smhdw])", value))
    if seconds < MIN_INTERVAL_SECONDS:
        raise ScheduleTimeError(
            f"the interval must be at least {format_every(MIN_INTERVAL_SECONDS)}, got {text!r}"
        )
    return seconds


def format_every(seconds: int) -> str:
    """A duration in the form ``parse_every`` reads: 5400 -> ``1h30m``."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


# --- time zones -----------------------------------------------------------------------------
def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleTimeError(
            f"unknown time zone {name!r} (expected e.g. Europe/Berlin)"
        ) from None


def local_zone_name() -> str:
    """The machine's IANA time zone: ``$TZ``, then /etc/localtime, then /etc/timezone; else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    with suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name:
            try:
                zone(name)
            except ScheduleTimeError:
                continue
            return name
    return "UTC"


def wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a naive wall-clock time in ``tz`` names.

    A repeated wall time (fall back) gives its first occurrence; a wall time in a gap (spring
    forward) gives the first instant whose wall clock reads later, the moment the clocks jump.
    """
    early = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if early.astimezone(tz).replace(tzinfo=None) == wall:
        return early
    # In a gap: fold=1 reads the wall time with the offset after the jump, landing before it.
    before, after = wall.replace(tzinfo=tz, fold=1).astimezone(UTC), early
    while after - before > timedelta(seconds=1):
        middle = before + timedelta(seconds=(after - before).total_seconds() // 2)
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return after


# --- cron -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CronExpression:
    """A five-field cron expression: minute, hour, day of month, month, day of week."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # the day-of-month field starts with "*"
    any_weekday: bool  # the day-of-week field starts with "*"

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Read ``*``, lists, ranges, steps, month and weekday names, and @daily-style macros."""
        source = text.strip()
        expanded = _MACROS.get(source.lower(), source)
        if expanded.startswith("@"):
            known = ", ".join(_MACROS)
            raise ScheduleTimeError(f"unknown cron macro {source!r} (known: {known})")
        fields = expanded.split()
        if len(fields) != 5:
            raise ScheduleTimeError(
                "expected 5 cron fields (minute hour day-of-month month day-of-week),"
                f" got {len(fields)} in {text!r}"
            )
        minute, hour, day, month, weekday = fields
        weekdays = _parse_field(weekday, "day-of-week", 0, 7, _WEEKDAYS)
        expression = cls(
            text=source,
            minutes=tuple(sorted(_parse_field(minute, "minute", 0, 59))),
            hours=tuple(sorted(_parse_field(hour, "hour", 0, 23))),
            days=frozenset(_parse_field(day, "day-of-month", 1, 31)),
            months=frozenset(_parse_field(month, "month", 1, 12, _MONTHS, first=1)),
            weekdays=frozenset(d % 7 for d in weekdays),
            any_day=day.startswith("*"),
            any_weekday=weekday.startswith("*"),
        )
        if expression.any_weekday and not any(
            d <= _MONTH_DAYS[m - 1] for m in expression.months for d in expression.days
        ):
            raise ScheduleTimeError(f"cron expression {text!r} names no day that exists")
        return expression

    def matches_day(self, day: date) -> bool:
        """Whether ``day`` is a run day; with both day fields restricted, either may match."""
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = day.isoweekday() % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday

    def times_after(self, instant: datetime, tz: ZoneInfo) -> Iterator[datetime]:
        """The run instants (UTC) after ``instant``, in order, each once."""
        last = instant
        day = instant.astimezone(tz).date() - timedelta(days=1)
        idle = 0
        while idle < _SEARCH_DAYS:
            idle += 1
            if self.matches_day(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        when = wall_to_utc(datetime.combine(day, time(hour, minute)), tz)
                        if when > last:
                            last = when
                            idle = 0
                            yield when
            day += timedelta(days=1)


def _parse_field(
    text: str, name: str, low: int, high: int, names: list[str] | None = None, first: int = 0
) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleTimeError(f"{name}: step must be a whole number >= 1 in {part!r}")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start_text, end_text = base.split("-", 1)
            start = _value(start_text, name, low, high, names, first)
            end = _value(end_text, name, low, high, names, first)
            if start > end:
                raise ScheduleTimeError(f"{name}: range {base!r} runs backwards")
        else:
            start = _value(base, name, low, high, names, first)
            end = high if slash else start
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, name: str, low: int, high: int, names: list[str] | None, first: int) -> int:
    word = text.lower()
    if names and word in names:
        return names.index(word) + first
    if not word.isdigit():
        raise ScheduleTimeError(f"{name}: expected a number {low}-{high}, got {text!r}")
    number = int(word)
    if not low <= number <= high:
        raise ScheduleTimeError(f"{name}: {number} is out of range {low}-{high}")
    return number


# --- timings --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Interval:
    """Every ``seconds`` of real time, on slots anchored at the first run."""

    seconds: int

    def describe(self) -> str:
        """``every 30m``."""
        return f"every {format_every(self.seconds)}"

    def first_run(self, now: datetime) -> datetime:
        """A new interval schedule is due at once."""
        return now

    def advance(self, due: datetime, now: datetime) -> tuple[datetime, int]:
        """The first slot after ``now`` in ``due``'s series, and how many slots in (due, now]."""
        missed = max(int((now - due).total_seconds()) // self.seconds, 0)
        return due + timedelta(seconds=self.seconds * (missed + 1)), missed


@dataclass(frozen=True, slots=True)
class CronTiming:
    """The wall-clock times a cron expression names, in one time zone."""

    expression: CronExpression
    zone_name: str

    def describe(self) -> str:
        """``cron "0 9 * * *" (Europe/Berlin)``."""
        return f'cron "{self.expression.text}" ({self.zone_name})'

    def first_run(self, now: datetime) -> datetime:
        """The first matching time after ``now``."""
        return next(self.expression.times_after(now, zone(self.zone_name)))

    def advance(self, due: datetime, now: datetime) -> tuple[datetime, int]:
        """The first slot after ``now``, and how many slots in (due, now] (capped)."""
        missed = 0
        for when in self.expression.times_after(due, zone(self.zone_name)):
            if when > now:
                return when, missed
            missed += 1
            if missed >= MISSED_COUNT_LIMIT:
                break
        return self.first_run(now), missed


Timing = Interval | CronTiming


def timing_for(every_seconds: int | None, cron: str | None, zone_name: str | None) -> Timing:
    """The timing a stored schedule describes."""
    if cron:
        return CronTiming(CronExpression.parse(cron), zone_name or "UTC")
    if not every_seconds:
        raise ScheduleTimeError("a schedule needs an interval or a cron expression")
    return Interval(every_seconds)
