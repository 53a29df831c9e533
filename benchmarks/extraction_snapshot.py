"""Every field of every corpus page's analysis, written to JSON: proof a change kept the output.

Before a change that must not alter extraction, write a snapshot; after it, write another and
compare. Each page's kind, every ``Article`` field and its ``extracted`` column are kept.

Example:
    .venv/bin/python benchmarks/extraction_snapshot.py write /tmp/before.json
    .venv/bin/python benchmarks/extraction_snapshot.py write /tmp/after.json
    .venv/bin/python benchmarks/extraction_snapshot.py compare /tmp/before.json /tmp/after.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archiver.crawl.article_row import extracted_column  # noqa: E402
from archiver.extraction.analysis import analyse  # noqa: E402
from benchmarks.corpus import CORPUS, EVAL_DIR, unpack  # noqa: E402

Snapshot = dict[str, object]


def snapshot(root: Path) -> Snapshot:
    """Each corpus page's kind, article fields and extracted column, by URL."""
    annotations = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages: Snapshot = {}
    for url, entry in sorted(annotations.items()):
        path = root / "eval" / entry["file"]
        if not path.exists():
            path = root / "cache" / entry["file"]
        analysis = analyse(path.read_bytes(), url, "text/html", 400)
        article = analysis.article
        fields = None
        if article is not None:
            fields = {f.name: repr(getattr(article, f.name)) for f in dataclasses.fields(article)}
            fields["extracted"] = extracted_column(article.blocks, article.kept, article.reasons)
        pages[url] = {"kind": analysis.kind, "article": fields}
    return pages


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """The URLs whose snapshot differs, or that only one snapshot has."""
    return sorted(url for url in before.keys() | after.keys() if before.get(url) != after.get(url))


def main(argv: list[str] | None = None) -> int:
    """Write a snapshot, or compare two; exit 1 when they differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write", help="analyse every corpus page and write OUT")
    write.add_argument("out", type=Path)
    write.add_argument("--corpus", type=Path, default=CORPUS, help="trafilatura-eval.tar.xz")
    write.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="unpacked corpus")
    compare = commands.add_parser("compare", help="list the pages whose output differs")
    compare.add_argument("before", type=Path)
    compare.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "write":
        pages = snapshot(unpack(args.corpus, args.eval_dir))
        args.out.write_text(json.dumps(pages, sort_keys=True), encoding="utf-8")
        print(f"{len(pages)} pages written to {args.out}")
        return 0
    before, after = (json.loads(p.read_text(encoding="utf-8")) for p in (args.before, args.after))
    changed = differences(before, after)
    for url in changed:
        print(url)
    print(f"{len(changed)} of {len(before.keys() | after.keys())} pages differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
