"""What reading an article's images costs extraction, beside extraction without them.

Example:
    .venv/bin/python benchmarks/images.py --limit 300

Every page of the trafilatura evaluation corpus is extracted twice in turn (the order rotates, so
other work on the machine slows both alike): once as the archive does, once with the image pass
switched off. Only the extraction calls are timed, in wall-clock and in CPU time (the process's
own, which other work on a shared machine disturbs less). It also prints how many images it found.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction import extract  # noqa: E402
from benchmarks.corpus import add_corpus_options, unpack  # noqa: E402
from benchmarks.extraction import Page, load_pages  # noqa: E402


def run(pages: list[Page], rounds: int) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU seconds with images and without, images found, pages with any."""
    with_images = extract.body_images
    timings, cpu = [0.0, 0.0], [0.0, 0.0]
    found = pages_with = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in range(rounds * len(pages)):
            page = pages[n % len(pages)]
            for which in (n % 2, 1 - n % 2):
                extract.body_images = with_images if which == 0 else (lambda *_: ())  # type: ignore[assignment]
                start, start_cpu = time.perf_counter(), time.process_time()
                article = extract.extract_article(page.html, page.url)
                timings[which] += time.perf_counter() - start
                cpu[which] += time.process_time() - start_cpu
                if which == 0 and n < len(pages) and article is not None and article.images:
                    found += len(article.images)
                    pages_with += 1
    extract.body_images = with_images
    return timings, cpu, found, pages_with


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_options(parser)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the pages")
    args = parser.parse_args(argv)
    pages = load_pages(unpack(args.corpus, args.eval_dir), args.limit)
    wall, cpu, found, pages_with = run(pages, args.rounds)
    calls = len(pages) * args.rounds
    print(f"{len(pages)} pages x {args.rounds}: {found} images on {pages_with} pages")
    print(f"{'extraction':<26}{'wall ms/page':>14}{'cpu ms/page':>14}")
    for name, which in (("without images", 1), ("with images (archive)", 0)):
        print(f"{name:<26}{1000 * wall[which] / calls:>14.2f}{1000 * cpu[which] / calls:>14.2f}")
    extra = [100 * (t[0] - t[1]) / t[1] for t in (wall, cpu)]
    print(f"image pass costs {extra[0]:+.1f}% wall, {extra[1]:+.1f}% cpu")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
