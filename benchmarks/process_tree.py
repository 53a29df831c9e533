"""What a command's whole process tree costs: CPU seconds, peak RSS and PSS, sampled from /proc.

``run_sampled`` runs a command to its end and samples its tree every ``SAMPLE_EVERY`` seconds:
RSS summed over the tree at its highest sample, PSS likewise (pages the processes share counted
once), the command's own process alone, and CPU seconds from both the samples and the rusage of
reaped children. The machine's 1-minute load average before and after goes with the figures.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_EVERY = 0.2
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")

ProcessTable = dict[int, tuple[int, float, int]]


@dataclass(slots=True)
class TreeUsage:
    """What one command's process tree used, from its start to its exit."""

    name: str
    wall: float = 0.0  # process start to exit
    cpu: float = 0.0  # user + system seconds of the process tree
    main_cpu: float = 0.0  # user + system seconds of the command's own process alone
    peak_rss: int = 0  # bytes, sum over the tree at its highest sample
    peak_main_rss: int = 0  # bytes, the command's own process alone
    peak_pss: int = 0  # bytes, proportional set size summed over the tree: shared pages once
    returncode: int = 0
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after


def run_sampled(
    usage: TreeUsage, command: list[str], cwd: Path, env: dict[str, str], log: Path, timeout: float
) -> None:
    """Run ``command`` to its end, its output into ``log``, sampling its process tree into
    ``usage``; kill it and raise ``TimeoutError`` once it has run ``timeout`` seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            cpu_seen = _sample_until_exit(usage, process, started, timeout, log)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
    usage.wall = time.monotonic() - started
    usage.returncode = process.returncode
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # Reaped descendants are in RUSAGE_CHILDREN; samples catch any its parent never waited for.
    usage.cpu = max(waited, sum(cpu_seen.values()))
    usage.main_cpu = cpu_seen.get(process.pid, 0.0)
    usage.load = (load_before, os.getloadavg()[0])


def _sample_until_exit(
    usage: TreeUsage,
    process: subprocess.Popen[bytes],
    started: float,
    timeout: float,
    log: Path,
) -> dict[int, float]:
    """Record the tree's peak memory in ``usage`` until ``process`` exits; return the highest
    CPU seconds sampled for each pid of the tree."""
    cpu_seen: dict[int, float] = {}
    while process.poll() is None:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{usage.name} still running after {timeout:.0f} s (log: {log})")
        table = _process_table()
        tree = _tree(process.pid, table)
        for pid in tree:
            cpu_seen[pid] = max(cpu_seen.get(pid, 0.0), table[pid][1])
        main = [table[pid][2] for pid in tree if pid == process.pid]
        usage.peak_main_rss = max(usage.peak_main_rss, *main, 0)
        usage.peak_rss = max(usage.peak_rss, sum(table[pid][2] for pid in tree))
        usage.peak_pss = max(usage.peak_pss, sum(_pss(pid) for pid in tree))
        time.sleep(SAMPLE_EVERY)
    return cpu_seen


def _process_table() -> ProcessTable:
    """pid -> (parent pid, CPU seconds, RSS bytes) for every process readable in /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        # after the command: state ppid ... utime(12) stime(13) ... rss(22), 0-based from state
        cpu = (int(fields[11]) + int(fields[12])) / _TICKS
        table[int(entry.name)] = (int(fields[1]), cpu, int(fields[21]) * _PAGE_SIZE)
    return table


def _pss(pid: int) -> int:
    """Proportional set size of ``pid`` in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree(root: int, table: ProcessTable) -> list[int]:
    """``root`` and its descendants that are in ``table``."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            found.append(pid)
        todo.extend(children.get(pid, []))
    return found
