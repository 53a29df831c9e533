"""``archiver schedule``: crawls on a timetable, kept in the archive database."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from pathlib import Path

import click

from archiver.cli.options import (
    MAX_PAGES_HELP,
    db_option,
    existing_db_option,
    open_store,
    parse_setting,
)
from archiver.scheduling.times import (
    CronExpression,
    CronTiming,
    Interval,
    ScheduleTimeError,
    Timing,
    local_zone_name,
    parse_every,
    timing_for,
    zone,
)
from storage.clock import to_iso, utc_now
from storage.errors import ScheduleError
from storage.schedules import Schedule, ScheduleTable

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _every(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    try:
        return None if value is None else parse_every(value)
    except ScheduleTimeError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _cron(ctx: click.Context, param: click.Parameter, value: str | None) -> CronExpression | None:
    try:
        return None if value is None else CronExpression.parse(value)
    except ScheduleTimeError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else zone(value).key
    except ScheduleTimeError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@click.group()
def schedule() -> None:
    """Run crawls on a timetable: add, list and remove schedules, and run them."""


@schedule.command("add")
@click.argument("name")
@click.argument("seeds", nargs=-1, required=True)
@db_option
@click.option(
    "--every",
    metavar="DURATION",
    callback=_every,
    help="Run every DURATION of real time: 90s, 30m, 2h, 1d.",
)
@click.option(
    "--cron",
    metavar="EXPRESSION",
    callback=_cron,
    help='Run at the times a cron expression names: "0 6 * * *".',
)
@click.option(
    "--tz",
    metavar="ZONE",
    callback=_zone,
    help="Time zone the cron expression is read in.  [default: this machine's]",
)
@click.option(
    "--warc-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("warcs"),
    show_default=True,
    help="Folder for the WARC files (made absolute now).",
)
@click.option("--max-pages", type=click.IntRange(min=1), help=MAX_PAGES_HELP)
@click.option(
    "--depth", type=click.IntRange(min=0), help="Follow links at most this deep (0: no limit)."
)
@click.option(
    "-s", "setting", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting."
)
@click.option("--refresh", is_flag=True, help="Refetch article URLs already archived.")
def add(
    name: str,
    seeds: tuple[str, ...],
    db: Path,
    every: int | None,
    cron: CronExpression | None,
    tz: str | None,
    warc_dir: Path,
    max_pages: int | None,
    depth: int | None,
    setting: tuple[str, ...],
    refresh: bool,
) -> None:
    """Add schedule NAME: crawl SEEDS every DURATION (--every) or at cron times (--cron).

    \b
    Examples:
        archiver schedule add hourly https://example.org/ --every 1h --db news.db
        archiver schedule add morning https://example.org/ --cron "0 6 * * *" --tz Europe/Berlin
    """
    if not _NAME.match(name):
        raise click.BadParameter(
            f"{name!r}: use letters, digits, '.', '_' and '-'", param_hint="'NAME'"
        )
    if (every is None) == (cron is None):
        raise click.UsageError("give either --every or --cron")
    if tz is not None and cron is None:
        raise click.UsageError("--tz applies to --cron only: intervals run in real time")
    zone_name = tz or local_zone_name()
    options = {
        "warc_dir": str(warc_dir.resolve()),
        "max_pages": max_pages,
        "depth": depth,
        "settings": parse_setting(setting),
        "refresh": refresh,
    }
    timing: Timing = CronTiming(cron, zone_name) if cron is not None else Interval(every or 0)
    now = utc_now()
    with open_store(db) as store:
        try:
            added = ScheduleTable(store.db).add(
                name,
                seeds=seeds,
                options=options,
                created=to_iso(now),
                next_run=to_iso(timing.first_run(now)),
                every_seconds=every,
                cron=cron.text if cron else None,
                timezone=zone_name,
            )
        except ScheduleError as exc:
            raise click.BadParameter(str(exc), param_hint="'NAME'") from exc
    click.echo(f"added schedule {name}: {timing.describe()}, next run {added.next_run}")


@schedule.command("list")
@existing_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as a JSON array.")
def list_schedules(db: Path, as_json: bool) -> None:
    """List schedules with their next run, last run and last result.

    \b
    Example:
        archiver schedule list --db news.db
    """
    with open_store(db) as store:
        schedules = ScheduleTable(store.db).all()
    if as_json:
        rows = [s.as_dict() | {"schedule": _describe(s)} for s in schedules]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not schedules:
        click.echo(f"no schedules in {db}")
        return
    table = [("NAME", "SCHEDULE", "NEXT RUN", "LAST RUN", "LAST RESULT")]
    for s in schedules:
        result = f"running (pid {s.running_pid})" if s.running_pid else s.last_result or "-"
        if s.last_crawl_id and not s.running_pid:
            result += f" (crawl {s.last_crawl_id})"
        table.append((s.name, _describe(s), s.next_run or "-", s.last_run or "never", result))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[4]]))


@schedule.command("remove")
@click.argument("name")
@existing_db_option
def remove(name: str, db: Path) -> None:
    """Remove schedule NAME; its past crawls stay in the archive.

    \b
    Example:
        archiver schedule remove hourly --db news.db
    """
    with open_store(db) as store:
        try:
            removed = ScheduleTable(store.db).remove(name)
        except ScheduleError as exc:
            raise click.BadParameter(str(exc), param_hint="'NAME'") from exc
    running = f" (its running crawl, pid {removed.running_pid}, goes on)"
    click.echo(f"removed schedule {name}" + (running if removed.running_pid else ""))


@schedule.command("run")
@existing_db_option
@click.option("--once", is_flag=True, help="Start what is due, wait for it, exit (cron, timers).")
def run(db: Path, once: bool) -> None:
    """Start scheduled crawls as they come due, until SIGINT or SIGTERM.

    Each run is `archiver crawl` in its own process. A stop signal lets running crawls close
    their WARC files and database first. --once exits 1 if a run it started failed.

    \b
    Examples:
        archiver schedule run --db news.db
        archiver schedule run --once --db news.db     # from cron or a systemd timer
    """
    from archiver.scheduling.runner import ScheduleRunner, StopRequest

    open_store(db).close()  # fail early, with one line, on an unusable --db
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with StopRequest().installed() as stop:
        runner = ScheduleRunner(db, stop)
        try:
            if not once:
                runner.serve()
                return
            outcomes = runner.run_once()
        except sqlite3.Error as exc:
            raise click.ClickException(f"cannot run the schedules in {db}: {exc}") from exc
        finally:
            runner.close()
    if not outcomes:
        click.echo("no schedule was due")
    for outcome in outcomes:
        crawl = f" (crawl {outcome.crawl['id']})" if outcome.crawl else ""
        click.echo(f"{outcome.name}: {outcome.result}{crawl}")
    failed = [outcome.name for outcome in outcomes if not outcome.ok]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(outcomes)} scheduled runs failed: {', '.join(failed)}"
        )


def _describe(schedule: Schedule) -> str:
    try:
        return timing_for(schedule.every_seconds, schedule.cron, schedule.timezone).describe()
    except ScheduleTimeError:
        return f"invalid: {schedule.cron!r}"
