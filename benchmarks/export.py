"""Exports of an archive of 100k articles: Parquet beside JSONL and CSV, time, peak memory, size.

Example:
    .venv/bin/python benchmarks/export.py --articles 100000

Builds the archive ``benchmarks/search.py`` builds (N articles recombined from the development
corpus, with their versions), adds one capture per article as a crawl records it, then runs each
export as a command in its own process, as a user runs it: ``archiver export parquet`` of the
whole archive and of one site since a date, beside ``archiver export jsonl`` and ``csv`` (the
peers: the exports that existed before). Prints wall time, the process's peak resident memory
(what a bounded batch size must keep flat as the archive grows) and the output's size. The
JSONL and CSV figures include the archive's pages SQLite maps into memory (up to 2 GB, for
search), which the Parquet export turns off.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import add_corpus_options, unpack  # noqa: E402
from benchmarks.search import build_archive, corpus_paragraphs  # noqa: E402


def add_captures(db: Path) -> int:
    """One crawl, and one capture per article (the response it was extracted from)."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO crawls (id, seeds, started, finished, status)"
            " VALUES (1, '[]', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', 'finished')"
        )
        conn.execute(
            "INSERT INTO captures (id, crawl_id, url, status, mime, kind, record_type, fetched_at,"
            " warc_filename, warc_offset, warc_length, warc_record_id, payload_digest,"
            " content_length)"
            " SELECT id, 1, url, 200, 'text/html', 'article', 'response', fetched_at,"
            " 'bench-' || (id / 5000) || '.warc.gz', (id % 5000) * 40000, 40000,"
            " '<urn:uuid:' || id || '>', 'sha1:' || text_digest, length(text) * 3 FROM articles"
        )
        conn.execute("UPDATE articles SET capture_id = id, crawl_id = 1")
        conn.execute("UPDATE article_versions SET capture_id = article_id")
    count = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    conn.close()
    return int(count)


def run(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run ``archiver ARGS``; its wall seconds, peak RSS in MB, and last line of output."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if status:
        raise SystemExit(f"archiver {' '.join(args)} failed:\n{output}")
    lines = output.strip().splitlines()
    return seconds, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def size_mb(path: Path) -> float:
    """Bytes of a file, or of every file under a folder, in MB."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="Where the archive goes [default: a tmpdir].")
    add_corpus_options(parser)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="archiver-export-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "news.db"
    paragraphs = corpus_paragraphs(unpack(args.corpus, args.eval_dir))
    built = build_archive(db, args.articles, paragraphs)
    captures = add_captures(db)
    conn = sqlite3.connect(db)
    site = conn.execute(
        "SELECT site FROM articles GROUP BY site ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    conn.close()
    print(
        f"archive: {args.articles} articles, {captures} captures, {size_mb(db):.0f} MB"
        f" (built in {built:.0f}s)"
    )
    runs = [
        ("parquet, whole archive", ["parquet", "parquet-all"], "parquet-all"),
        (
            f"parquet, --site {site} --since 2020-01-01",
            ["parquet", "parquet-site", "--site", site, "--since", "2020-01-01"],
            "parquet-site",
        ),
        ("jsonl, whole archive (peer)", ["jsonl", "articles.jsonl"], "articles.jsonl"),
        ("csv, whole archive (peer)", ["csv", "articles.csv"], "articles.csv"),
    ]
    print(f"{'export':<58} {'seconds':>8} {'peak RSS MB':>12} {'output MB':>10}")
    for label, command, output in runs:
        shutil.rmtree(work / output, ignore_errors=True)
        seconds, rss, _ = run(["export", *command, "--db", str(db)], work)
        print(f"{label:<58} {seconds:>8.1f} {rss:>12.0f} {size_mb(work / output):>10.0f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this script, which built the archive: {own:.0f} MB peak)")
    if not args.workdir:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
