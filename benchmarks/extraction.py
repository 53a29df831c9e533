"""Score our extractor beside plain trafilatura and its peers on the trafilatura evaluation corpus.

Example:
    .venv/bin/python benchmarks/extraction.py --limit 200 --show-fp
    .venv/bin/python benchmarks/extraction.py --peers none      # only trafilatura and ours

The peers (``benchmarks/peers.py``) are the extractors a user would pick instead; they come with
``pip install -e '.[bench]'``, and one that is not installed is named in the table as absent.

Scoring follows ``../shared/data/README.md``: a "with" segment found in the whitespace-normalised
text is a true positive, one missed a false negative; a "without" segment found is a false
positive. Precision, recall and F1 are micro-averaged over all pages. Only the extraction calls are
timed; each page is read and decoded once, every extractor gets the same string, and they take
turns page by page so that other work on the machine slows all alike. An extractor that raises on
a page scores that page as empty text and counts a failure.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction.decoding import decode_html  # noqa: E402
from archiver.extraction.extract import extract_article  # noqa: E402
from benchmarks import peers  # noqa: E402
from benchmarks.corpus import CORPUS, EVAL_DIR, unpack  # noqa: E402

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Page:
    """One annotated page of the corpus, decoded."""

    url: str
    html: str
    with_: tuple[str, ...]
    without: tuple[str, ...]


@dataclass(slots=True)
class Score:
    """Counts and time of one extractor over the corpus."""

    name: str
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    seconds: float = 0.0
    failures: int = 0
    kept_fp: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of found segments that should be there."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of wanted segments that were found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def normalise(text: str) -> str:
    """Collapse runs of whitespace to one space."""
    return _SPACES.sub(" ", text).strip()


def load_pages(root: Path, limit: int | None) -> list[Page]:
    """Read and decode the annotated pages (bytes once, :func:`decode_html` once)."""
    annotations = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in list(annotations.items())[:limit]:
        path = root / "eval" / entry["file"]
        if not path.exists():
            path = root / "cache" / entry["file"]
        html = decode_html(path.read_bytes())
        with_ = tuple(normalise(s) for s in entry.get("with", []))
        without = tuple(normalise(s) for s in entry.get("without", []))
        pages.append(Page(url, html, with_, without))
    return pages


def plain_trafilatura(html: str, url: str) -> str:
    """trafilatura with its default options, as a user would call it."""
    return trafilatura.extract(html, url=url, include_comments=False) or ""


def ours(html: str, url: str) -> str:
    """Our extractor: trafilatura plus the in-page boilerplate layer."""
    article = extract_article(html, url)
    return article.text if article else ""


def score(extractors: dict[str, Callable[[str, str], str]], pages: list[Page]) -> list[Score]:
    """Run every extractor over ``pages``, timing only the extraction calls.

    The extractors take turns page by page, in an order that rotates, so that a machine busy with
    other work slows them alike. Warnings the extractors raise are silenced.
    """
    scores = [Score(name) for name in extractors]
    runs = list(zip(scores, extractors.values(), strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n, page in enumerate(pages):
            for result, extractor in runs[n % len(runs) :] + runs[: n % len(runs)]:
                count(result, page, normalise(timed(result, extractor, page)))
    return scores


def timed(result: Score, extractor: Callable[[str, str], str], page: Page) -> str:
    """Run ``extractor`` on ``page``; add its time, and a failure if it raises, to ``result``."""
    start = time.perf_counter()
    try:
        text = extractor(page.html, page.url)
    except Exception:  # a peer's bug on one page scores as empty text, like a missed extraction
        text = ""
        result.failures += 1
    result.seconds += time.perf_counter() - start
    return text


def count(result: Score, page: Page, text: str) -> None:
    """Add one page's true and false positives and negatives to ``result``."""
    for segment in page.with_:
        if segment in text:
            result.tp += 1
        else:
            result.fn += 1
    for segment in page.without:
        if segment in text:
            result.fp += 1
            result.kept_fp.append((page.url, segment))
        else:
            result.tn += 1


def print_table(scores: list[Score], pages: int, absent: Sequence[str] = ()) -> None:
    """Print one row per extractor (the F1 leader marked), the absent peers, the speed ratio."""
    print(f"{pages} pages")
    print(
        f"{'extractor':<24} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8} {'failed':>6}"
    )
    best = max(s.f1 for s in scores)
    for s in scores:
        speed = pages / s.seconds if s.seconds else 0.0
        lead = "  <- best F1" if s.f1 == best else ""
        print(
            f"{s.name:<24} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {speed:>8.1f}"
            f" {s.failures:>6}{lead}"
        )
    for name in absent:
        print(f"{name:<24} {'not installed (pip install -e .[bench])':>46}")
    base, mine = scores[:2]
    if mine.seconds:
        print(f"speed ours / trafilatura: {base.seconds / mine.seconds:.2f}x")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: corpus, slice, peers, false positives."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="the corpus archive (default: ../shared/data/trafilatura-eval.tar.xz)",
    )
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument(
        "--workdir", type=Path, default=EVAL_DIR, help="where to unpack (default: .eval/)"
    )
    parser.add_argument(
        "--peers",
        default="all",
        help="comma-separated peers to score beside trafilatura and ours, 'all' or 'none'"
        f" (default: all installed; known: {', '.join(peers.PEERS)})",
    )
    parser.add_argument(
        "--show-fp", action="store_true", help="list the 'without' segments ours still keeps"
    )
    args = parser.parse_args(argv)
    if args.peers == "all":
        args.peers = list(peers.PEERS)
    elif args.peers == "none":
        args.peers = []
    else:
        args.peers = [name.strip() for name in args.peers.split(",")]
        unknown = [name for name in args.peers if name not in peers.PEERS]
        if unknown:
            parser.error(f"unknown peer(s): {', '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, unpack the corpus, score every extractor and print the table."""
    args = parse_args(argv)
    root = unpack(args.corpus, args.workdir)
    pages = load_pages(root, args.limit)
    loaded, absent = peers.load(args.peers)
    extractors = {"trafilatura (default)": plain_trafilatura, "archiver": ours, **loaded}
    logging.disable(logging.CRITICAL)  # peers log a line for every page they cannot handle
    try:
        with peers.offline():
            # Warm every extractor up so import-time and first-call costs fall on none.
            score(extractors, pages[:1])
            scores = score(extractors, pages)
    finally:
        logging.disable(logging.NOTSET)
    print_table(scores, len(pages), absent)
    if args.show_fp:
        mine = scores[1]
        print(f"\n{len(mine.kept_fp)} 'without' segments kept by archiver:")
        for url, segment in mine.kept_fp:
            print(f"  {url}\n    {segment!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
