"""What reading an article's images costs extraction, beside extraction without them.

Example:
    .venv/bin/python benchmarks/images.py --limit 300

Every page of the trafilatura evaluation corpus is extracted twice in turn (the order rotates, so
other work on the machine slows both alike): once as the archive does, once with the image pass
switched off. Only the extraction calls are timed. It also prints how many images were found.
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


def run(pages: list[Page], rounds: int) -> tuple[float, float, int, int]:
    """Seconds with images, seconds without, images found, pages with any."""
    with_images = extract.body_images
    timings = [0.0, 0.0]
    found = pages_with = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in range(rounds * len(pages)):
            page = pages[n % len(pages)]
            for which in (n % 2, 1 - n % 2):
                extract.body_images = with_images if which == 0 else (lambda *_: ())  # type: ignore[assignment]
                start = time.perf_counter()
                article = extract.extract_article(page.html, page.url)
                timings[which] += time.perf_counter() - start
                if which == 0 and n < len(pages) and article is not None and article.images:
                    found += len(article.images)
                    pages_with += 1
    extract.body_images = with_images
    return timings[0], timings[1], found, pages_with


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_options(parser)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the pages")
    args = parser.parse_args(argv)
    pages = load_pages(unpack(args.corpus, args.eval_dir), args.limit)
    with_images, without, found, pages_with = run(pages, args.rounds)
    calls = len(pages) * args.rounds
    print(f"{len(pages)} pages x {args.rounds}: {found} images on {pages_with} pages")
    print(f"{'extraction':<28}{'ms/page':>10}")
    print(f"{'without images':<28}{1000 * without / calls:>10.2f}")
    print(f"{'with images (archive)':<28}{1000 * with_images / calls:>10.2f}")
    print(f"image pass costs {100 * (with_images - without) / without:+.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
