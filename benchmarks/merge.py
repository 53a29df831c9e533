"""Building one archive from several nodes' shards: ``archiver merge`` beside ``reextract``.

Example:
    .venv/bin/python benchmarks/merge.py --nodes 3 --articles 200

Writes one static news site per node (ARTICLES article pages listed on a homepage, each with a
byline, eight paragraphs of its own and the site's recurring blocks), serves each on its own
loopback address and crawls it with ``archiver crawl`` into the node's shard and WARC folder
(node name in the WARC prefix). Then times, each as a command: ``archiver merge`` of every shard
into a new archive, the same merge again (nothing new), and the peer, ``archiver reextract`` of
every node's WARC folder into a new archive, which builds the same articles from the WARC
files. Prints the times, the row counts and whether the two archives' article texts are equal.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.serving.loopback import SampleSite  # noqa: E402

WORDS = [
    "harbour",
    "council",
    "ferry",
    "budget",
    "storm",
    "wall",
    "repair",
    "vote",
    "mayor",
    "school",
    "bridge",
    "rail",
    "market",
    "museum",
    "library",
    "street",
    "parking",
    "river",
    "flood",
    "festival",
    "police",
    "court",
    "hospital",
    "weather",
    "season",
    "tide",
    "island",
    "port",
    "fishing",
    "boat",
    "crew",
    "trade",
    "tourism",
    "grant",
    "closure",
    "reopening",
    "schedule",
    "residents",
]
RECURRING = (
    "Subscribe to our newsletter for the morning headlines, delivered before seven.",
    "Our journalism is funded by readers like you: support independent local news today.",
)


def sentence(rng: random.Random, words: int) -> str:
    """A made-up sentence of ``words`` words."""
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def write_site(root: Path, node: str, articles: int, seed: int) -> None:
    """A static site: a homepage listing every article, and the article pages."""
    rng = random.Random(seed)
    links = []
    for number in range(articles):
        path = f"news/2026/11/{node}-story-{number:04d}.html"
        title = f"{sentence(rng, 6)[:-1]} ({node} {number})"
        body = "".join(
            f"<p>{' '.join(sentence(rng, rng.randint(12, 24)) for _ in range(3))}</p>"
            for _ in range(8)
        )
        recurring = "".join(f"<p>{text}</p>" for text in RECURRING)
        page = (
            f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>"
            f"<meta property='og:type' content='article'>"
            f"<link rel='canonical' href='/{path}'></head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>"
            f"<p class='byline'>By Staff Reporter, 2026-11-{1 + number % 28:02d}</p>"
            f"{body}{recurring}</article><footer>© 2026 {node} news</footer></body></html>"
        )
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(page, encoding="utf-8")
        links.append(f"<li><a href='/{path}'>{title}</a></li>")
    (root / "index.html").write_text(
        f"<!DOCTYPE html><html><head><title>{node} news</title></head><body><main><ul>"
        + "".join(links)
        + "</ul></main></body></html>",
        encoding="utf-8",
    )
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")


def archiver(*args: str, cwd: Path) -> float:
    """Run ``archiver ARGS`` as a user would; return its wall time in seconds."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"archiver {args[0]} failed: {result.stderr.strip()[-500:]}")
    return elapsed


def count(db: Path, sql: str) -> int:
    """One number from the archive at ``db``."""
    with sqlite3.connect(db) as conn:
        value = int(conn.execute(sql).fetchone()[0])
    conn.close()
    return value


def texts(db: Path) -> list[tuple[str, str, str]]:
    """Every article's URL, title and text."""
    with sqlite3.connect(db) as conn:
        found = conn.execute("SELECT url, title, text FROM articles ORDER BY url").fetchall()
    conn.close()
    return [tuple(row) for row in found]


def main() -> None:
    """Crawl the nodes' sites, then time merge and reextract over the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--articles", type=int, default=200, help="articles per node's site")
    parser.add_argument("--work", type=Path, help="folder to work in [default: a temporary one]")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-merge-"))
    nodes = [f"n{number}" for number in range(1, args.nodes + 1)]
    for number, node in enumerate(nodes):
        root = work / f"site-{node}"
        write_site(root, node, args.articles, seed=number)
        with SampleSite(root, f"127.0.0.{71 + number}") as site:
            crawl = archiver(
                "crawl", site.url, "--db", f"news.{node}.db", "--warc-dir", f"warcs-{node}",
                "-s", f"WARC_PREFIX=news-{node}", cwd=work,
            )  # fmt: skip
        print(f"crawled {node}: {crawl:.1f} s")
    shards = [f"news.{node}.db" for node in nodes]
    folders = [arg for node in nodes for arg in ("--warc-dir", f"warcs-{node}")]
    merge = archiver("merge", *shards, "--db", "merged.db", cwd=work)
    again = archiver("merge", *shards, "--db", "merged.db", cwd=work)
    rebuild = archiver("reextract", *folders, "--db", "rebuilt.db", cwd=work)
    merged, rebuilt = work / "merged.db", work / "rebuilt.db"
    articles = count(merged, "SELECT count(*) FROM articles")
    captures = count(merged, "SELECT count(*) FROM captures")
    print(f"{len(nodes)} shards, {articles} articles, {captures} captures (work: {work})")
    print(f"archiver merge (new archive)     {merge:7.2f} s")
    print(f"archiver merge (again: nothing)  {again:7.2f} s")
    print(f"archiver reextract (peer)        {rebuild:7.2f} s")
    print(f"same article text, row for row:  {texts(merged) == texts(rebuilt)}")


if __name__ == "__main__":
    main()
