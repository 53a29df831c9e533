"""Schedules: the table's claims, the CLI, and the runner end to end against a local site."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.scheduling.runner import crawl_command
from archiver.serving.loopback import SampleSite
from storage.clock import from_iso, to_iso, utc_now
from storage.schedules import Schedule, ScheduleTable
from storage.store import ArticleStore
from storage.warcread import verify_warc
from tests.conftest import REPO, run_archiver

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["schedule", *args])


def table(db: Path) -> tuple[ArticleStore, ScheduleTable]:
    store = ArticleStore(db)
    return store, ScheduleTable(store.db)


def get(db: Path, name: str) -> Schedule:
    store, schedules = table(db)
    with store:
        return schedules.get(name)


def crawls(db: Path) -> list[dict[str, object]]:
    with ArticleStore(db) as store:
        return list(store.db.query("SELECT * FROM crawls ORDER BY id"))


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- the table ------------------------------------------------------------------------------
def test_a_running_schedule_cannot_be_claimed_twice(tmp_path: Path) -> None:
    store, schedules = table(tmp_path / "a.db")
    with store:
        added = schedules.add(
            "hourly",
            seeds=["http://x/"],
            options={},
            created="t0",
            next_run="t1",
            every_seconds=3600,
        )
        assert schedules.claim(added.id, 111, "t1", "t2", now="t1")
        # A second runner, even one that has read the new next_run, cannot take it while it runs.
        assert not schedules.claim(added.id, 222, "t2", "t3", now="t2")
        assert not schedules.claim(added.id, 222, "t1", "t2", now="t1")
        assert schedules.get("hourly").running_pid == 111
        # Only the holder releases it; then the next slot can be claimed, the old one cannot.
        assert not schedules.release(added.id, 222, "finished")
        assert schedules.release(added.id, 111, "finished", crawl_id=None)
        assert not schedules.claim(added.id, 222, "t1", "t2", now="t2")
        assert schedules.claim(added.id, 222, "t2", "t3", now="t2")
        row = schedules.get("hourly")
        assert (row.running_pid, row.last_run, row.next_run, row.last_result) == (
            222,
            "t2",
            "t3",
            "finished",
        )


def test_crawl_command_carries_the_schedules_options(tmp_path: Path) -> None:
    schedule = Schedule(
        id=7,
        name="n",
        every_seconds=60,
        cron=None,
        timezone="UTC",
        seeds=("http://a/", "-odd"),
        options={
            "warc_dir": "/w",
            "max_pages": 5,
            "depth": 0,
            "settings": {"DOWNLOAD_DELAY": "1"},
            "refresh": True,
        },
        created="t",
        next_run=None,
        last_run=None,
        last_result=None,
        last_crawl_id=None,
        running_pid=None,
    )
    command = crawl_command(schedule, tmp_path / "a.db")
    assert command[:5] == [sys.executable, "-m", "archiver", "crawl", "--db"]
    assert command[5:] == [
        str(tmp_path / "a.db"),
        "--warc-dir",
        "/w",
        "--max-pages",
        "5",
        "--depth",
        "0",
        "-s",
        "DOWNLOAD_DELAY=1",
        "-s",
        "CRAWL_REFRESH=True",
        "-s",
        "ARCHIVE_SCHEDULE_ID=7",
        "--",
        "http://a/",
        "-odd",
    ]


# --- the CLI --------------------------------------------------------------------------------
def test_add_list_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    result = invoke("add", "hourly", "http://127.0.0.1:9/", "--every", "1h", "--db", db)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"added schedule hourly: every 1h, next run {ISO}\n", result.output)
    args = ["--cron", "0 0 1 1 *", "--tz", "UTC", "--max-pages", "5", "--refresh"]
    result = invoke("add", "newyear", "http://127.0.0.1:9/", *args, "--db", db)
    year = utc_now().year + 1
    assert result.output == (
        f'added schedule newyear: cron "0 0 1 1 *" (UTC), next run {year}-01-01T00:00:00Z\n'
    )
    stored = get(Path(db), "newyear")
    assert stored.options == {
        "warc_dir": str(Path("warcs").resolve()),
        "max_pages": 5,
        "depth": None,
        "settings": {},
        "refresh": True,
    }
    lines = invoke("list", "--db", db).output.splitlines()
    assert re.fullmatch(r"NAME +SCHEDULE +NEXT RUN +LAST RUN +LAST RESULT", lines[0])
    assert re.fullmatch(rf"hourly +every 1h +{ISO} +never +-", lines[1])
    assert re.fullmatch(
        rf'newyear +cron "0 0 1 1 \*" \(UTC\) +{year}-01-01T00:00:00Z +never +-', lines[2]
    )
    result = invoke("list", "--json", "--db", db)
    assert [s["name"] for s in json.loads(result.output)] == ["hourly", "newyear"]
    assert invoke("remove", "hourly", "--db", db).output == "removed schedule hourly\n"
    result = invoke("remove", "hourly", "--db", db)
    assert result.exit_code == 2
    assert (
        result.output.splitlines()[-1]
        == "Error: Invalid value for 'NAME': no schedule named 'hourly'"
    )
    result = invoke("add", "newyear", "http://x/", "--every", "1h", "--db", db)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for 'NAME': a schedule named 'newyear' already exists"
    )
    ArticleStore(tmp_path / "empty.db").close()  # an archive with no schedule (list needs one)
    assert invoke("list", "--db", str(tmp_path / "empty.db")).output == (
        f"no schedules in {tmp_path / 'empty.db'}\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--every", "10s"],
            "Invalid value for '--every': the interval must be at least 1m, got '10s'",
        ),
        (["--every", "soon"], "Invalid value for '--every': expected a duration like 90s, 30m"),
        (["--cron", "0 9 * *"], "Invalid value for '--cron': expected 5 cron fields"),
        (["--cron", "0 25 * * *"], "Invalid value for '--cron': hour: 25 is out of range 0-23"),
        (
            ["--cron", "@daily", "--tz", "Mars/Olympus"],
            "Invalid value for '--tz': unknown time zone",
        ),
        (["--every", "1h", "--cron", "@daily"], "give either --every or --cron"),
        ([], "give either --every or --cron"),
        (["--every", "1h", "--tz", "UTC"], "--tz applies to --cron only"),
        (["--every", "1h", "-s", "NOEQUALS"], "expected NAME=VALUE, got 'NOEQUALS'"),
    ],
)
def test_bad_timing_is_one_error_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = invoke("add", "x", "http://x/", *args, "--db", str(tmp_path / "a.db"))
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output


# --- the runner, end to end -----------------------------------------------------------------
def test_run_once_crawls_a_schedule_missed_while_off_once(
    sample_sites: list[SampleSite], tmp_path: Path
) -> None:
    db = tmp_path / "news.db"
    site = sample_sites[0].url
    result = invoke(
        "add", "hourly", site, "--every", "1h", "--warc-dir", str(tmp_path / "w"), "--db", str(db)
    )
    assert result.exit_code == 0, result.output
    # The machine was off for three days: 72 more hourly slots passed after the one due.
    due = utc_now() - timedelta(days=3, minutes=30)
    store, schedules = table(db)
    with store:
        schedules.set_next_run(get(db, "hourly").id, to_iso(due))

    ran = run_archiver("schedule", "run", "--once", "--db", str(db), cwd=tmp_path, timeout=120)

    assert ran.returncode == 0, ran.stderr[-3000:]
    rows = crawls(db)
    assert len(rows) == 1
    crawl = rows[0]
    assert ran.stdout == f"hourly: finished (crawl {crawl['id']})\n"
    assert f"schedule hourly: 72 slots after {to_iso(due)} missed" in ran.stderr
    assert "Traceback" not in ran.stderr
    schedule = get(db, "hourly")
    assert crawl["schedule_id"] == schedule.id
    assert crawl["status"] == "finished" and crawl["finished"] is not None
    assert int(str(crawl["pages"])) > 5 and int(str(crawl["articles"])) > 0
    assert (schedule.last_result, schedule.last_crawl_id, schedule.running_pid) == (
        "finished",
        crawl["id"],
        None,
    )
    assert schedule.last_run is not None and schedule.next_run is not None
    assert from_iso(schedule.last_run) <= from_iso(str(crawl["started"]))
    next_run = from_iso(schedule.next_run)
    assert utc_now() < next_run <= utc_now() + timedelta(minutes=30)
    assert (next_run - due) % timedelta(hours=1) == timedelta(0)  # still on its hourly slots
    warcs = sorted((tmp_path / "w").glob("*.warc.gz"))
    assert warcs and all(verify_warc(path) > 0 for path in warcs)
    # Nothing is due any more: a second --once starts nothing.
    again = run_archiver("schedule", "run", "--once", "--db", str(db), cwd=tmp_path, timeout=60)
    assert (again.returncode, again.stdout) == (0, "no schedule was due\n")
    assert len(crawls(db)) == 1


def test_a_run_whose_process_is_gone_is_released(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    invoke(
        "add", "yearly", "http://127.0.0.1:9/", "--cron", "@yearly", "--tz", "UTC", "--db", str(db)
    )
    store, schedules = table(db)
    with store:
        schedule = schedules.get("yearly")
        assert schedules.claim(
            schedule.id, dead_pid(), schedule.next_run, "2099-01-01T00:00:00Z", "t"
        )

    ran = run_archiver("schedule", "run", "--once", "--db", str(db), cwd=tmp_path, timeout=60)

    assert ran.returncode == 0, ran.stderr
    assert "ended without the scheduler; recorded as interrupted" in ran.stderr
    schedule = get(db, "yearly")
    assert (schedule.running_pid, schedule.last_result) == (None, "interrupted")


def test_the_daemon_skips_a_slot_while_running_and_stops_cleanly_on_sigterm(
    sample_sites: list[SampleSite], tmp_path: Path
) -> None:
    db = tmp_path / "news.db"
    slow = ["-s", "DOWNLOAD_DELAY=1", "--warc-dir", str(tmp_path / "w")]
    result = invoke("add", "slow", sample_sites[1].url, "--every", "1m", *slow, "--db", str(db))
    assert result.exit_code == 0, result.output
    log = tmp_path / "daemon.log"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with log.open("w") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "archiver", "schedule", "run", "--db", str(db)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: len(crawls(db)) == 1, 30, "the scheduled crawl to open")
        # Its next slot comes due while the crawl is still going: it is skipped, and logged.
        store, schedules = table(db)
        with store:
            schedules.set_next_run(get(db, "slow").id, to_iso(utc_now() - timedelta(seconds=1)))
        wait_for(lambda: "skipped" in log.read_text(), 10, "the skipped slot")
        assert from_iso(get(db, "slow").next_run or "") > utc_now()

        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=45) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    text = log.read_text()
    assert "schedule slow: 1 slot due at" in text and "the previous run (pid" in text
    assert "Traceback" not in text
    rows = crawls(db)
    assert len(rows) == 1
    assert rows[0]["finished"] is not None and rows[0]["status"] == "shutdown"
    schedule = get(db, "slow")
    assert (schedule.running_pid, schedule.last_result, schedule.last_crawl_id) == (
        None,
        "shutdown",
        rows[0]["id"],
    )
    warcs = sorted((tmp_path / "w").glob("*.warc.gz"))
    assert warcs and all(verify_warc(path) > 0 for path in warcs)
