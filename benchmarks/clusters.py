"""Wire-copy clustering of 100k articles: time, and precision/recall against the generated truth.

Example:
    .venv/bin/python benchmarks/clusters.py --articles 100000

Makes N articles from the development corpus's sentences: 4-14 paragraphs of 2-4 sentences each
drawn at random, so two different stories share words but seldom a run of them. One story in
five is a wire story run by 2-12 sites, each copy edited as outlets edit agency copy: a
rewritten lead (half of them), the last paragraph dropped or a closing line of the site's own
added, and 1-3 % of the words changed or dropped. For one wire story in three a follow-up on the
same topic shares one or two of its paragraphs (background) and is a different story.

Each method is timed on the same texts (fingerprints, then grouping) and scored by pairs: of the
pairs it puts in one cluster, how many are copies of one story (precision), and of the pairs of
copies, how many it put together (recall). Methods: an exact digest of the normalised text (the
naive peer); a 64-bit simhash over the same shingles with Hamming distance <= 3 found through
4 bands of 16 bits (the usual near-duplicate setting); the archive's MinHash (storage.minhash,
grouped by storage.clusters.group_by_bands); datasketch's MinHash and MinHashLSH when
installed (``pip install -e '.[bench]'``). Then the archive's own path: the N articles in an
SQLite archive, ``WireClusters.rebuild`` timed (what ``archiver clusters --rebuild`` and the
schema migration run), and the incremental path a crawl takes (``WireClusters.update`` per new
article) over the last ``--incremental`` articles.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.cluster_peers import (  # noqa: E402
    Grouping,
    datasketch_groups,
    exact_digest,
    simhash,
    simhash_groups,
)
from benchmarks.corpus import add_corpus_options, unpack  # noqa: E402
from benchmarks.search import corpus_paragraphs  # noqa: E402
from storage.clusters import BATCH, WireClusters, group_by_bands  # noqa: E402
from storage.minhash import MAX_DISTANCE, distance, signature, signatures, words  # noqa: E402
from storage.store import open_database  # noqa: E402

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class Made:
    """The generated articles, their true story, and the pairs the threshold sweep reads."""

    texts: list[str]
    truth: list[int]
    copy_pairs: list[tuple[int, int]]
    topic_pairs: list[tuple[int, int]]  # a wire copy and a follow-up on its topic


@dataclass(frozen=True, slots=True)
class Row:
    """One method's figures: wall seconds signing and grouping, CPU seconds, its grouping."""

    name: str
    sign: float
    group: float
    cpu: float
    found: Grouping

    def show(self, truth: Sequence[int]) -> None:
        """Print the row with its precision, recall and clusters against ``truth``."""
        precision, recall = pair_scores(self.found, truth)
        clusters = sum(1 for c in Counter(self.found.values()).values() if c > 1)
        print(
            f"{self.name:<34} {self.sign:>7.1f} {self.group:>7.1f} {self.sign + self.group:>7.1f}"
            f" {self.cpu:>7.1f} {precision:>9.3f} {recall:>7.3f} {clusters:>8}",
            flush=True,
        )


def generate(n: int, pool: list[str], seed: int = 7) -> Made:
    """``n`` articles from the sentences of ``pool``; see the module's docstring."""
    rng = random.Random(seed)
    texts: list[str] = []
    truth: list[int] = []
    copy_pairs: list[tuple[int, int]] = []
    topic_pairs: list[tuple[int, int]] = []
    story = 0
    while len(texts) < n:
        body = [_paragraph(pool, rng) for _ in range(rng.randint(4, 14))]
        story += 1
        if rng.random() >= 0.2:
            texts.append("\n".join(body))
            truth.append(story)
            continue
        first = len(texts)
        for _ in range(min(rng.randint(2, 12), n - len(texts))):
            texts.append("\n".join(_edit(body, pool, rng)))
            truth.append(story)
        copy_pairs.extend((first, i) for i in range(first + 1, len(texts)))
        if rng.random() < 1 / 3 and len(texts) < n:
            shared = rng.sample(body, min(len(body), rng.randint(1, 2)))
            own = [_paragraph(pool, rng) for _ in range(rng.randint(4, 10))]
            texts.append("\n".join(shared + own))
            story += 1
            truth.append(story)
            topic_pairs.append((first, len(texts) - 1))
    return Made(texts, truth, copy_pairs, topic_pairs)


def _paragraph(pool: list[str], rng: random.Random) -> str:
    return " ".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))


def sentences(paragraphs: list[str]) -> list[str]:
    """The sentences of ``paragraphs`` (split after a full stop), those of five words or more."""
    found = (part.strip() for text in paragraphs for part in _SENTENCE.split(text))
    return [sentence for sentence in found if len(sentence.split()) >= 5]


def _edit(body: list[str], pool: list[str], rng: random.Random) -> list[str]:
    """One outlet's copy of a wire story."""
    copy = list(body)
    if rng.random() < 0.5:
        copy[0] = _paragraph(pool, rng)  # its own lead
    if rng.random() < 0.4 and len(copy) > 3:
        copy.pop()
    elif rng.random() < 0.4:
        copy.append(f"Reporting by {rng.choice(pool)[:60]}")
    edited = []
    for paragraph in copy:
        found = paragraph.split()
        for _ in range(max(1, len(found) * rng.randint(1, 3) // 100)):
            at = rng.randrange(len(found))
            if rng.random() < 0.5:
                found[at] = rng.choice(("said", "on", "the", "reported", "new", "its"))
            elif len(found) > 1:
                del found[at]
        edited.append(" ".join(found))
    return edited


def minhash_groups(texts: Sequence[str]) -> tuple[Grouping, float, float]:
    """The archive's MinHash: grouping, and seconds for signatures and for grouping."""
    started = time.perf_counter()
    sigs = [sig for at in range(0, len(texts), BATCH) for sig in signatures(texts[at : at + BATCH])]
    signed = time.perf_counter()
    ids = [i for i, s in enumerate(sigs) if s is not None]
    named = group_by_bands(ids, [s.fingerprint for s in sigs if s], [s.bands for s in sigs if s])
    return {member: name for name, member in named}, signed - started, time.perf_counter() - signed


# scoring ----------------------------------------------------------------------------------------
def pair_scores(grouping: Grouping, truth: Sequence[int]) -> tuple[float, float]:
    """Pairwise precision and recall of ``grouping`` against the true stories."""
    labels = [grouping.get(i, -1 - i) for i in range(len(truth))]
    both = Counter(zip(labels, truth, strict=True))
    predicted, actual = Counter(labels), Counter(truth)

    def pairs(counts: Counter[object]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    hits = pairs(both)  # type: ignore[arg-type]
    return hits / max(pairs(predicted), 1), hits / max(pairs(actual), 1)  # type: ignore[arg-type]


def sweep(
    made: Made, measure: Callable[[int, int], int | None], limits: Sequence[int]
) -> list[str]:
    """Per distance limit: the share of copy pairs within it, and of same-topic pairs."""
    lines = []
    for limit in limits:
        within = [d is not None and d <= limit for d in map(lambda p: measure(*p), made.copy_pairs)]
        topic = [d is not None and d <= limit for d in map(lambda p: measure(*p), made.topic_pairs)]
        lines.append(
            f"  <= {limit:>2} bits: copies {sum(within) / max(len(within), 1):6.1%}"
            f"   same topic {sum(topic) / max(len(topic), 1):6.1%}"
        )
    return lines


# the archive's own path --------------------------------------------------------------------------
def build_archive(db: Path, texts: Sequence[str]) -> float:
    """An archive holding ``texts`` as articles 1..n (full-text index and all); seconds taken."""
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    database = open_database(db)
    add(database.conn, texts, 0)
    database.close()
    return time.perf_counter() - started


def add(conn: sqlite3.Connection, texts: Sequence[str], first: int) -> None:
    """Insert ``texts`` as articles first+1, first+2, … in one transaction."""
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO articles (id, url, site, text, extracted, fetched_at)"
        " VALUES (?, ?, ?, ?, '{}', ?)",
        [
            (
                first + i + 1,
                f"https://news{(first + i) % 40}.example/{first + i}",
                f"news{(first + i) % 40}.example",
                text,
                "2026-11-20T08:00:00Z",
            )
            for i, text in enumerate(texts)
        ],
    )
    conn.commit()


def archive_grouping(conn: sqlite3.Connection) -> Grouping:
    """The archive's clusters, by article index (id - 1)."""
    rows = conn.execute("SELECT id, cluster_id FROM articles WHERE cluster_id IS NOT NULL")
    return {int(i) - 1: int(c) for i, c in rows}


def time_archive(db: Path, texts: Sequence[str], incremental: int) -> list[Row]:
    """Rebuild, then the incremental path for the last articles, then a rebuild of all."""
    head, tail = texts[: len(texts) - incremental], texts[len(texts) - incremental :]
    build = build_archive(db, head)
    print(f"archive of {len(head)} articles built in {build:.0f} s (not timed below)", flush=True)
    database = open_database(db)
    conn = database.conn
    found = []
    for label, added in ((f"({len(head)})", []), (f"({len(texts)})", tail)):
        if added:
            found.append(_incremental(database, added, len(head)))
        wall, cpu = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        WireClusters(database).rebuild()
        conn.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        found.append(Row(f"archive rebuild {label}", wall, 0.0, cpu, archive_grouping(conn)))
    database.close()
    return found


def _incremental(database: sqlite_utils.Database, tail: Sequence[str], first: int) -> Row:
    """Add ``tail`` and cluster each article as a crawl stores it: one transaction each."""
    conn = database.conn
    add(conn, tail, first)  # stored with no fingerprint yet, as a crawl inserts its row first
    clusters = WireClusters(database)
    wall, cpu = time.perf_counter(), time.process_time()
    for offset, text in enumerate(tail, start=first + 1):
        conn.execute("BEGIN")
        clusters.update(offset, text)
        conn.commit()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Row(f"archive incremental (+{len(tail)})", wall, 0.0, cpu, archive_grouping(conn))


def main(argv: list[str] | None = None) -> int:
    """Generate the articles, run every method, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles to cluster")
    parser.add_argument(
        "--incremental", type=int, default=5000, help="last articles added one by one"
    )
    parser.add_argument("--no-datasketch", action="store_true", help="skip the datasketch peer")
    add_corpus_options(parser)
    parser.add_argument("--workdir", type=Path, default=REPO / ".bench", help="for the archive")
    args = parser.parse_args(argv)

    paragraphs = corpus_paragraphs(unpack(args.corpus, args.eval_dir))
    pool = sentences([p for texts in paragraphs.values() for p in texts])
    made = generate(args.articles, pool)
    truth = made.truth
    words_total = sum(len(words(t)) for t in made.texts)
    print(
        f"{len(made.texts)} articles ({words_total / len(made.texts):.0f} words on average),"
        f" {len(set(truth))} stories, {len(made.copy_pairs)} copy pairs sampled,"
        f" {len(made.topic_pairs)} same-topic pairs; {len(pool)} corpus sentences"
    )
    prints, results = run_methods(made, not args.no_datasketch)
    print(
        f"\n{'method':<34} {'sign s':>7} {'group s':>7} {'total s':>7} {'cpu s':>7}"
        f" {'precision':>9} {'recall':>7} {'clusters':>8}"
    )
    for row in results:
        row.show(truth)
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / f"clusters-{args.articles}.db"
    try:
        incremental = min(args.incremental, len(made.texts))
        for row in time_archive(db, made.texts, incremental):
            row.show(truth)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    print_sweeps(made, prints)
    return 0


def run_methods(made: Made, with_datasketch: bool) -> tuple[list[int | None], list[Row]]:
    """Every method on the same texts, timed (wall and CPU); and the simhashes, for the sweep."""
    results: list[Row] = []
    wall, cpu = time.perf_counter(), time.process_time()
    naive = exact_digest(made.texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    results.append(Row("exact digest (naive)", wall, 0.0, cpu, naive))
    wall, cpu = time.perf_counter(), time.process_time()
    prints = [simhash(t) for t in made.texts]
    hashed = time.perf_counter() - wall
    near = simhash_groups(prints)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    results.append(Row("simhash64 <= 3 bits", hashed, wall - hashed, cpu, near))
    cpu = time.process_time()
    grouping, signed, grouped = minhash_groups(made.texts)
    cpu = time.process_time() - cpu
    results.append(Row(f"minhash (ours) <= {MAX_DISTANCE} bits", signed, grouped, cpu, grouping))
    if with_datasketch:
        cpu = time.process_time()
        peer = datasketch_groups(made.texts)
        cpu = time.process_time() - cpu
        if peer is None:
            print("datasketch not installed: pip install -e '.[bench]'")
        else:
            results.append(Row("datasketch minhash+lsh J >= 0.5", peer[1], peer[2], cpu, peer[0]))
    return prints, results


def print_sweeps(made: Made, prints: Sequence[int | None]) -> None:
    """How many copy pairs and same-topic pairs fall within each distance, for both hashes."""
    pairs = made.copy_pairs + made.topic_pairs
    sigs = {i: signature(made.texts[i]) for pair in pairs for i in pair}

    def minhash_distance(a: int, b: int) -> int | None:
        sa, sb = sigs[a], sigs[b]
        return distance(sa.fingerprint, sb.fingerprint) if sa and sb else None

    def simhash_distance(a: int, b: int) -> int | None:
        pa, pb = prints[a], prints[b]
        return distance(pa, pb) if pa is not None and pb is not None else None

    print("\nthreshold sweep over the copy pairs and the same-topic pairs (bits apart):")
    print("minhash fingerprint (ours):")
    print("\n".join(sweep(made, minhash_distance, [3, 8, 12, 16, 20, 24])))
    print("simhash64:")
    print("\n".join(sweep(made, simhash_distance, [3, 6, 10, 16, 20])))


if __name__ == "__main__":
    sys.exit(main())
