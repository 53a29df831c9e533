"""How often ``RENDER=auto`` would render a page that needs no browser.

Every page of the development corpus (trafilatura's evaluation pages) holds its article in its
HTML, so each one the empty-shell test picks is a page rendered for nothing. Prints how many it
picks, beside how many the corpus holds and how many extraction calls articles.

    .venv/bin/python benchmarks/shells.py
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.crawl.render import is_empty_shell  # noqa: E402 - after the path is set
from archiver.extraction.analysis import analyse  # noqa: E402
from archiver.extraction.pagekind import ARTICLE  # noqa: E402
from benchmarks.corpus import add_corpus_options, unpack  # noqa: E402

MIN_CHARS = 400  # ARTICLE_MIN_CHARS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_options(parser)
    args = parser.parse_args()
    folder = unpack(args.corpus, args.eval_dir)
    pages = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    total = articles = shells = 0
    for url, entry in pages.items():
        path = next(
            (p for p in (folder / "eval" / entry["file"], folder / "cache" / entry["file"])
             if p.exists()),
            None,
        )  # fmt: skip
        if path is None:
            continue
        analysis = analyse(path.read_bytes(), url, None, MIN_CHARS)
        total += 1
        articles += analysis.kind == ARTICLE
        if is_empty_shell(url, analysis, MIN_CHARS):
            shells += 1
            print(f"  shell: {url}")
    print(f"{total} pages, each with its article in the HTML")
    print(f"  extraction calls {articles} of them articles")
    print(f"  the empty-shell test (RENDER=auto) would render {shells} ({shells / total:.1%})")


if __name__ == "__main__":
    main()
