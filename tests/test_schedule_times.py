"""Schedule timing: --every and cron parsing, due times across DST, runs missed while off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from archiver.scheduling.times import (
    MISSED_COUNT_LIMIT,
    CronExpression,
    CronTiming,
    Interval,
    ScheduleTimeError,
    format_every,
    local_zone_name,
    parse_every,
    zone,
)
from storage.clock import from_iso, to_iso

BERLIN = "Europe/Berlin"


def utc(text: str) -> datetime:
    return from_iso(text)


def runs(expression: str, after: str, count: int, tz: str = BERLIN) -> list[str]:
    times = CronExpression.parse(expression).times_after(utc(after), zone(tz))
    return [to_iso(t) for t in islice(times, count)]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (" 2H ", 7200)],
)
def test_every_reads_durations(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30", "expected a duration like 90s, 30m, 2h or 1d, got '30'"),
        ("half an hour", "expected a duration like 90s, 30m, 2h or 1d, got 'half an hour'"),
        ("1.5h", "expected a duration like 90s, 30m, 2h or 1d, got '1.5h'"),
        ("10s", "the interval must be at least 1m, got '10s'"),
    ],
)
def test_every_refuses_what_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(ScheduleTimeError) as error:
        parse_every(text)
    assert str(error.value) == message


def test_format_every_round_trips() -> None:
    for seconds in (60, 90, 1800, 5400, 86400, 93784):
        assert parse_every(format_every(seconds)) == seconds
    assert format_every(5400) == "1h30m"


def test_cron_fields_lists_ranges_steps_and_names() -> None:
    cron = CronExpression.parse("0,30 8-18/2 1,15 jan-mar,DEC mon-fri")
    assert cron.minutes == (0, 30)
    assert cron.hours == (8, 10, 12, 14, 16, 18)
    assert cron.days == {1, 15}
    assert cron.months == {1, 2, 3, 12}
    assert cron.weekdays == {1, 2, 3, 4, 5}
    assert CronExpression.parse("*/15 * * * 7").minutes == (0, 15, 30, 45)
    assert CronExpression.parse("*/15 * * * 7").weekdays == {0}  # 7 is Sunday too
    assert CronExpression.parse("5/20 * * * *").minutes == (5, 25, 45)
    daily = CronExpression.parse("@daily")
    assert (daily.minutes, daily.hours, daily.text, daily.any_day) == ((0,), (0,), "@daily", True)
    assert CronExpression.parse("@weekly").weekdays == {0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("* * * *", "expected 5 cron fields (minute hour day-of-month month day-of-week), got 4"),
        ("60 * * * *", "minute: 60 is out of range 0-59"),
        ("* 24 * * *", "hour: 24 is out of range 0-23"),
        ("* * 0 * *", "day-of-month: 0 is out of range 1-31"),
        ("* * * 13 *", "month: 13 is out of range 1-12"),
        ("* * * * 8", "day-of-week: 8 is out of range 0-7"),
        ("*/0 * * * *", "minute: step must be a whole number >= 1 in '*/0'"),
        ("5-1 * * * *", "minute: range '5-1' runs backwards"),
        ("* * * foo *", "month: expected a number 1-12, got 'foo'"),
        ("1,,2 * * * *", "minute: expected a number 0-59, got ''"),
        ("0 0 30 feb *", "cron expression '0 0 30 feb *' names no day that exists"),
        ("@reboot", "unknown cron macro '@reboot'"),
    ],
)
def test_cron_errors_are_one_line(text: str, message: str) -> None:
    with pytest.raises(ScheduleTimeError) as error:
        CronExpression.parse(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_day_of_month_and_weekday_both_restricted_match_either() -> None:
    # As in cron: the 13th of every month, and every Friday.
    assert runs("0 12 13 * fri", "2026-11-01T00:00:00Z", 4, "UTC") == [
        "2026-11-06T12:00:00Z",
        "2026-11-13T12:00:00Z",
        "2026-11-20T12:00:00Z",
        "2026-11-27T12:00:00Z",
    ]
    assert runs("0 12 1-7 * mon", "2026-11-01T00:00:00Z", 2, "UTC") == [
        "2026-11-01T12:00:00Z",
        "2026-11-02T12:00:00Z",
    ]
    # One of them '*': both must match (the first Monday in 1-7 only).
    assert runs("0 12 */1 * mon", "2026-11-01T00:00:00Z", 2, "UTC") == [
        "2026-11-02T12:00:00Z",
        "2026-11-09T12:00:00Z",
    ]


def test_daily_cron_keeps_local_time_across_spring_forward() -> None:
    # Europe/Berlin goes from 02:00 CET to 03:00 CEST on 2026-03-29: a 23-hour day.
    assert runs("0 9 * * *", "2026-03-27T12:00:00Z", 3) == [
        "2026-03-28T08:00:00Z",
        "2026-03-29T07:00:00Z",
        "2026-03-30T07:00:00Z",
    ]


def test_daily_cron_keeps_local_time_across_fall_back() -> None:
    # On 2026-10-25 03:00 CEST becomes 02:00 CET: a 25-hour day.
    first, second = (utc(t) for t in runs("0 9 * * *", "2026-10-24T00:00:00Z", 2))
    assert to_iso(first) == "2026-10-24T07:00:00Z"
    assert second - first == timedelta(hours=25)
    assert second.astimezone(zone(BERLIN)).hour == 9


def test_a_wall_time_that_does_not_exist_runs_when_the_clocks_jump() -> None:
    # 02:30 does not exist on 2026-03-29: the run is at 03:00 CEST, 01:00 UTC.
    assert runs("30 2 * * *", "2026-03-28T12:00:00Z", 2) == [
        "2026-03-29T01:00:00Z",
        "2026-03-30T00:30:00Z",
    ]
    # Every slot inside the gap collapses into one run at the jump.
    assert runs("*/20 * * * *", "2026-03-29T00:30:00Z", 4) == [
        "2026-03-29T00:40:00Z",  # 01:40 CET
        "2026-03-29T01:00:00Z",  # 02:00, 02:20, 02:40 do not exist: 03:00 CEST
        "2026-03-29T01:20:00Z",
        "2026-03-29T01:40:00Z",
    ]


def test_a_wall_time_that_happens_twice_runs_once() -> None:
    # 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET): run at the first only.
    assert runs("30 2 * * *", "2026-10-24T12:00:00Z", 2) == [
        "2026-10-25T00:30:00Z",
        "2026-10-26T01:30:00Z",
    ]
    assert runs("*/20 * * * *", "2026-10-25T00:10:00Z", 4) == [
        "2026-10-25T00:20:00Z",  # 02:20 CEST
        "2026-10-25T00:40:00Z",  # 02:40 CEST
        "2026-10-25T02:00:00Z",  # 03:00 CET: the repeated 02:xx are not run again
        "2026-10-25T02:20:00Z",
    ]


def test_interval_runs_in_real_time_across_dst() -> None:
    daily = Interval(86400)
    due = utc("2026-03-28T08:00:00Z")  # 09:00 CET
    next_run, missed = daily.advance(due, due)
    assert (to_iso(next_run), missed) == ("2026-03-29T08:00:00Z", 0)
    assert next_run.astimezone(zone(BERLIN)).hour == 10  # 24 hours later is 10:00 CEST
    autumn = utc("2026-10-24T07:00:00Z")
    assert daily.advance(autumn, autumn)[0] - autumn == timedelta(hours=24)


def test_a_new_interval_schedule_is_due_at_once_and_cron_at_its_next_time() -> None:
    now = utc("2026-11-27T19:05:12Z")
    assert Interval(1800).first_run(now) == now
    cron = CronTiming(CronExpression.parse("0 9 * * *"), BERLIN)
    assert to_iso(cron.first_run(now)) == "2026-11-28T08:00:00Z"
    assert cron.describe() == 'cron "0 9 * * *" (Europe/Berlin)'
    assert Interval(5400).describe() == "every 1h30m"


def test_interval_missed_while_off_runs_once_then_keeps_its_slots() -> None:
    now = utc("2026-11-27T19:00:00Z")
    due = now - timedelta(days=3, minutes=30)
    next_run, missed = Interval(3600).advance(due, now)
    assert missed == 72  # slots in (due, now]; the one at `due` is the run made now
    assert next_run == now + timedelta(minutes=30)
    assert (next_run - due) % timedelta(hours=1) == timedelta(0)


def test_cron_missed_while_off_runs_once_then_next_slot_after_now() -> None:
    daily = CronTiming(CronExpression.parse("0 9 * * *"), BERLIN)
    due = utc("2026-03-20T08:00:00Z")
    next_run, missed = daily.advance(due, utc("2026-03-30T12:00:00Z"))
    assert missed == 10  # 21 March to 30 March, DST change included
    assert to_iso(next_run) == "2026-03-31T07:00:00Z"


def test_counting_missed_slots_stops_at_a_limit() -> None:
    minutely = CronTiming(CronExpression.parse("* * * * *"), "UTC")
    now = utc("2026-11-27T19:00:30Z")
    next_run, missed = minutely.advance(now - timedelta(days=60), now)
    assert missed == MISSED_COUNT_LIMIT
    assert to_iso(next_run) == "2026-11-27T19:01:00Z"


def test_iso_text_is_utc_to_the_second() -> None:
    instant = datetime(2026, 11, 27, 20, 0, 5, tzinfo=zone(BERLIN))
    assert to_iso(instant) == "2026-11-27T19:00:05Z"
    assert from_iso("2026-11-27T19:00:05Z") == datetime(2026, 11, 27, 19, 0, 5, tzinfo=UTC)


def test_local_zone_comes_from_tz_when_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Santiago")
    assert local_zone_name() == "America/Santiago"
    monkeypatch.setenv("TZ", "Nowhere/Bogus")
    name = local_zone_name()
    assert name != "Nowhere/Bogus"
    zone(name)  # always a zone that loads: the machine's, or UTC
    with pytest.raises(ScheduleTimeError, match="unknown time zone 'Nowhere/Bogus'"):
        zone("Nowhere/Bogus")
