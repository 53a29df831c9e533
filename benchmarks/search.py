"""Search latency over an archive of 100k articles: the library call, and the command end to end.

Example:
    .venv/bin/python benchmarks/search.py --articles 100000

Builds an archive with the crawl's own schema (both full-text indexes, filled by their triggers,
committed every 500 articles as a crawl commits as it goes) holding N articles whose paragraphs
are recombined from the development corpus: 40 sites, 2015-2026 dates, the corpus's languages.
Then times ``storage.search.search_articles`` (what ``archiver search`` calls) over a few hundred
varied queries: a stopword alone (the worst case: it is in half the articles), common,
middling and rare words, two words, OR, phrases, prefixes, title-only, a common word with
``--site``, ``--since``/``--until`` and ``--lang`` filters, and ``--older-versions``. Prints
p50/p95/p99 per kind and overall; then runs ``archiver search`` as a command a few times, whose
time includes Python's start-up. Last, starts ``archiver serve`` on the archive and times the
reader's pages over HTTP (home, an article, a search) beside Datasette's own table and row pages.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction.decoding import decode_html  # noqa: E402
from benchmarks.corpus import add_corpus_options, unpack  # noqa: E402
from benchmarks.mirror import corpus_files, paragraph_texts  # noqa: E402
from storage.extracted import encode_extracted  # noqa: E402
from storage.readonly import connect_readonly  # noqa: E402
from storage.search import SearchQuery, search_articles  # noqa: E402
from storage.store import open_database  # noqa: E402

NO_BLOCKS = encode_extracted([], [])  # articles made up for the benchmark have no blocks
SITES = [f"www.{name}.example" for name in ("harbour-times", "daily-ledger", "post", "courier")]
SITES += [f"news{n}.example.org" for n in range(36)]
_LANG = re.compile(r"<html[^>]*?\slang=[\"']?([a-zA-Z]{2})", re.I)
_WORD = re.compile(r"[^\W\d_]{4,}")
BATCH = 500


@dataclass(frozen=True, slots=True)
class Timed:
    """One kind of query and how long each of its runs took, in seconds."""

    kind: str
    seconds: list[float]
    hits: int

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile in milliseconds."""
        ordered = sorted(self.seconds)
        return 1000 * ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def corpus_paragraphs(corpus_dir: Path) -> dict[str, list[str]]:
    """Paragraphs of the corpus pages by the page's declared language (``en`` if none)."""
    by_language: dict[str, list[str]] = {}
    for path in corpus_files(corpus_dir):
        markup = decode_html(path.read_bytes())
        found = _LANG.search(markup, 0, 4096)
        language = found.group(1).lower() if found else "en"
        by_language.setdefault(language, []).extend(paragraph_texts(markup, 60, 1200))
    return {lang: texts for lang, texts in by_language.items() if len(texts) >= 50}


def articles(
    n: int, paragraphs: dict[str, list[str]], seed: int = 11
) -> Iterator[tuple[tuple[object, ...], str | None]]:
    """Rows for ``articles``: ``n`` articles of 3-25 paragraphs (about 3 KB on average), each with
    the text of an earlier version for one article in twenty (a paragraph since replaced)."""
    rng = random.Random(seed)
    languages = sorted(paragraphs)
    weights = [len(paragraphs[lang]) for lang in languages]
    start = 16436  # 2015-01-01 in days since 1970
    for i in range(n):
        language = rng.choices(languages, weights)[0]
        pool = paragraphs[language]
        body = [rng.choice(pool) for _ in range(rng.randint(3, 25))]
        title = body[0][:90].rsplit(" ", 1)[0]
        site = SITES[min(int(rng.paretovariate(1.2)) - 1, len(SITES) - 1)]
        day = start + rng.randrange(4349)
        published = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
        fetched = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime((day + 1) * 86400 + i % 86400))
        text = "\n".join(body)
        earlier = None
        if i % 20 == 7:
            earlier = text
            body[rng.randrange(len(body))] = rng.choice(pool)
            text = "\n".join(body)
        yield (
            (
                f"https://{site}/news/{published.replace('-', '/')}/{i}.html",
                site,
                title,
                json.dumps([f"Reporter {i % 997}"]),
                published if i % 10 else None,
                language,
                body[0][:160],
                text,
                NO_BLOCKS,
                hashlib.sha1(f"{title}\n{text}".encode()).hexdigest(),
                fetched,
                fetched,
            ),
            earlier,
        )


def build_archive(db: Path, n: int, paragraphs: dict[str, list[str]]) -> float:
    """Create the archive at ``db`` with ``n`` articles and their first versions; seconds taken."""
    started = time.monotonic()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    database = open_database(db)
    conn = database.conn
    insert = (
        "INSERT INTO articles (url, site, title, author, published, language, description, text,"
        " extracted, text_digest, fetched_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    version = (
        "INSERT INTO article_versions (article_id, version, title, text, text_digest, fetched_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
    )
    rows = articles(n, paragraphs)
    done = 0
    while batch := list(islice(rows, BATCH)):
        versions = []
        for offset, (row, earlier) in enumerate(batch, start=done + 1):
            number = 1
            if earlier is not None:
                versions.append((offset, 1, row[2], earlier, "", row[10]))
                number = 2
            versions.append((offset, number, row[2], row[7], row[9], row[10]))
        conn.execute("BEGIN")
        conn.executemany(insert, [row for row, _ in batch])
        conn.executemany(version, versions)
        conn.commit()
        done += len(batch)
    database.close()
    return time.monotonic() - started


def vocabulary(paragraphs: dict[str, list[str]]) -> dict[str, list[str]]:
    """Words of the corpus by frequency: stopwords (the first 50), common, middling and rare."""
    counts = Counter(
        w.lower() for texts in paragraphs.values() for t in texts for w in _WORD.findall(t)
    )
    ranked = [word for word, count in counts.most_common() if count >= 2]
    third = len(ranked) // 3
    return {
        "stopword": ranked[:50],
        "common": ranked[50:1000],
        "middling": ranked[third : third + 2000],
        "rare": ranked[-3000:],
    }


def queries(
    words: dict[str, list[str]], paragraphs: dict[str, list[str]], count: int, seed: int = 5
) -> list[tuple[str, SearchQuery]]:
    """``count`` varied queries, each labelled with its kind."""
    rng = random.Random(seed)
    pick = rng.choice
    texts = [text for pool in paragraphs.values() for text in pool]

    def phrase() -> str:
        while len(found := _WORD.findall(pick(texts))) < 3:
            pass
        start = rng.randrange(len(found) - 1)
        return f'"{found[start]} {found[start + 1]}"'

    shapes = [
        ("stopword", lambda: pick(words["stopword"]), {}),
        ("common word", lambda: pick(words["common"]), {}),
        ("middling word", lambda: pick(words["middling"]), {}),
        ("rare word", lambda: pick(words["rare"]), {}),
        ("two words", lambda: f"{pick(words['common'])} {pick(words['middling'])}", {}),
        ("a OR b", lambda: f"{pick(words['middling'])} OR {pick(words['middling'])}", {}),
        ("phrase", phrase, {}),
        ("prefix*", lambda: pick(words["middling"])[:4] + "*", {}),
        ("title:word", lambda: f"title:{pick(words['common'])}", {}),
        ("common + site", lambda: pick(words["common"]), {"site": SITES[1]}),
        (
            "common + dates",
            lambda: pick(words["common"]),
            {"since": "2024-01-01", "until": "2024-06-30"},
        ),
        ("common + lang", lambda: pick(words["common"]), {"language": "de"}),
        ("older versions", lambda: pick(words["middling"]), {"older_versions": True}),
    ]
    made = []
    for i in range(count):
        kind, text, filters = shapes[i % len(shapes)]
        made.append((kind, SearchQuery(text=text(), **filters)))  # type: ignore[arg-type]
    return made


def time_library(db: Path, made: Sequence[tuple[str, SearchQuery]]) -> list[Timed]:
    """Run every query once through ``search_articles`` on a read-only connection, as the CLI."""
    conn = connect_readonly(db)
    search_articles(conn, SearchQuery(text="warmup"))
    seconds: dict[str, list[float]] = {}
    hits: Counter[str] = Counter()
    for kind, query in made:
        started = time.perf_counter()
        found = search_articles(conn, query)
        seconds.setdefault(kind, []).append(time.perf_counter() - started)
        hits[kind] += len(found)
    conn.close()
    return [Timed(kind, values, hits[kind]) for kind, values in seconds.items()]


def time_cli(db: Path, made: Sequence[tuple[str, SearchQuery]], runs: int) -> list[float]:
    """Wall seconds of ``archiver search`` as a command, Python's start-up included."""
    seconds = []
    for _, query in made[:runs]:
        command = [sys.executable, "-m", "archiver", "search", query.text, "--db", str(db)]
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, capture_output=True, check=True, timeout=120)
        seconds.append(time.perf_counter() - started)
    return seconds


def time_reader(db: Path, made: Sequence[tuple[str, SearchQuery]], runs: int) -> list[Timed]:
    """Seconds per page of the reader and, as peers, of Datasette's table and row pages."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "archiver", "serve", "--db", str(db), "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for(base + "/")
        rng = random.Random(3)
        kinds = ("stopword", "common word", "middling word", "two words", "phrase", "prefix*")
        texts = [query.text for kind, query in made if kind in kinds]
        pages = {
            "reader home": lambda: "/",
            "reader article": lambda: f"/article/{rng.randint(1, 100_000)}",
            "reader search": lambda: "/search?q=" + urllib.parse.quote(rng.choice(texts)),
            "peer: table": lambda: f"/{db.stem}/articles",
            "peer: row": lambda: f"/{db.stem}/articles/{rng.randint(1, 100_000)}",
        }
        timed = []
        for kind, path in pages.items():
            _fetch(base + path())  # warm up
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                _fetch(base + path())
                seconds.append(time.perf_counter() - started)
            timed.append(Timed(kind, seconds, 0))
        return timed
    finally:
        server.terminate()
        server.wait(timeout=30)


def _fetch(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
    except urllib.error.HTTPError as exc:  # a page that answers, if not with 200, still counts
        print(f"HTTP {exc.code} from {url}", file=sys.stderr)


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _fetch(url)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def print_table(
    timed: list[Timed], cli: list[float], n: int, db: Path, build: float, pages: list[Timed]
) -> None:
    """Latency per kind of query, overall, and for the command."""
    size = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    print(f"archive: {n} articles, {size / 2**20:.0f} MB, built in {build:.0f} s ({db})")
    print(f"{'query kind':<16} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}", end="")
    print(f" {'hits/query':>10}")
    everything = Timed("all", [s for t in timed for s in t.seconds], sum(t.hits for t in timed))
    for t in [*timed, everything]:
        print(
            f"{t.kind:<16} {len(t.seconds):>5} {t.percentile(50):>8.1f} {t.percentile(95):>8.1f}"
            f" {t.percentile(99):>8.1f} {t.hits / len(t.seconds):>10.1f}"
        )
    if cli:
        print(
            f"archiver search (command, start-up included): {len(cli)} runs,"
            f" median {1000 * statistics.median(cli):.0f} ms, max {1000 * max(cli):.0f} ms"
        )
    for t in pages:
        print(
            f"{t.kind:<16} {len(t.seconds):>5} {t.percentile(50):>8.1f} {t.percentile(95):>8.1f}"
            f" {t.percentile(99):>8.1f}   (HTTP, archiver serve)"
        )


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the archive, time the queries, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the archive")
    parser.add_argument("--queries", type=int, default=240, help="queries to time")
    parser.add_argument("--cli-runs", type=int, default=10, help="runs of the command")
    parser.add_argument("--page-runs", type=int, default=40, help="requests per reader page")
    parser.add_argument("--keep", action="store_true", help="keep the archive (reused next time)")
    add_corpus_options(parser)
    parser.add_argument("--workdir", type=Path, default=REPO / ".bench", help="for the archive")
    args = parser.parse_args(argv)

    paragraphs = corpus_paragraphs(unpack(args.corpus, args.eval_dir))
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / f"search-{args.articles}.db"
    build = 0.0
    if not _complete(db, args.articles):
        build = build_archive(db, args.articles, paragraphs)
    try:
        made = queries(vocabulary(paragraphs), paragraphs, args.queries)
        timed = time_library(db, made)
        cli = time_cli(db, made, args.cli_runs)
        pages = time_reader(db, made, args.page_runs) if args.page_runs else []
        print_table(timed, cli, args.articles, db, build, pages)
    finally:
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    return 0


def _complete(db: Path, n: int) -> bool:
    if not db.exists():
        return False
    try:
        with sqlite3.connect(db) as conn:
            found = conn.execute("SELECT count(*), max(id) FROM articles").fetchone()
            return bool(found == (n, n))
    except sqlite3.Error:
        return False


if __name__ == "__main__":
    sys.exit(main())
