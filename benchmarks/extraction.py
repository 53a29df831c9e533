"""Score plain trafilatura and our extractor side by side on the trafilatura evaluation corpus.

Example:
    .venv/bin/python benchmarks/extraction.py --limit 200 --show-fp

Scoring follows ``../shared/data/README.md``: a "with" segment found in the whitespace-normalised
text is a true positive, one missed a false negative; a "without" segment found is a false
positive. Precision, recall and F1 are micro-averaged over all pages. Only the extraction calls are
timed; each page is read and decoded once, both extractors get the same string, and they take
turns page by page so that other work on the machine slows both alike.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction.decoding import decode_html  # noqa: E402
from archiver.extraction.extract import extract_article  # noqa: E402
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
    other work slows them alike.
    """
    scores = [Score(name) for name in extractors]
    runs = list(zip(scores, extractors.values(), strict=True))
    for n, page in enumerate(pages):
        for result, extractor in runs[n % len(runs) :] + runs[: n % len(runs)]:
            start = time.perf_counter()
            text = extractor(page.html, page.url)
            result.seconds += time.perf_counter() - start
            count(result, page, normalise(text))
    return scores


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


def print_table(scores: list[Score], pages: int) -> None:
    """Print one row per extractor and the ratio of speeds."""
    print(f"{pages} pages")
    print(f"{'extractor':<22} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8}")
    for s in scores:
        speed = pages / s.seconds if s.seconds else 0.0
        print(f"{s.name:<22} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {speed:>8.1f}")
    base, mine = scores
    print(f"speed ours / trafilatura: {base.seconds / mine.seconds:.2f}x")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, unpack the corpus, score both extractors and print the table."""
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
        "--show-fp", action="store_true", help="list the 'without' segments ours still keeps"
    )
    args = parser.parse_args(argv)

    root = unpack(args.corpus, args.workdir)
    pages = load_pages(root, args.limit)
    # Warm both up so import-time and first-call costs fall on neither.
    if pages:
        plain_trafilatura(pages[0].html, pages[0].url)
        ours(pages[0].html, pages[0].url)
    base, mine = score({"trafilatura (default)": plain_trafilatura, "archiver": ours}, pages)
    print_table([base, mine], len(pages))
    if args.show_fp:
        print(f"\n{len(mine.kept_fp)} 'without' segments kept by archiver:")
        for url, segment in mine.kept_fp:
            print(f"  {url}\n    {segment!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
