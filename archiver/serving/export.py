"""Exports: articles as JSON lines or CSV, and a WACZ of the WARC files with the archive's pages."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from storage.errors import ArchiveError
from storage.readonly import ARTICLE_COLUMNS, ArchiveReader
from storage.selection import EVERYTHING, Selection
from storage.warcfolders import WarcFolders

# ``python -m wacz`` drops main()'s exit status; this keeps it.
WACZ_MAIN = "import sys; from wacz.main import main; sys.exit(main(sys.argv[1:]))"
PAGES_HEADER = {
    "format": "json-pages-1.0",
    "id": "pages",
    "title": "Articles",
    "hasText": True,
}


class ExportError(Exception):
    """An export cannot be written."""


@dataclass(frozen=True, slots=True)
class WaczReport:
    """What went into a WACZ."""

    warc_files: int
    pages: int
    skipped: int  # articles whose WARC file is not in the folder


def write_jsonl(
    articles: Iterable[dict[str, Any]],
    out: TextIO,
    images: Callable[[int], list[dict[str, Any]]] | None = None,
) -> int:
    """Write one JSON object per article, with its ``images`` list when ``images`` gives each
    article's (by id); return how many."""
    count = 0
    for article in articles:
        if images is not None:
            article = {**article, "images": images(article["id"])}
        out.write(json.dumps(article, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(articles: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write a CSV with a header row; ``author`` stays a JSON array. Return the article count."""
    writer = csv.DictWriter(out, fieldnames=ARTICLE_COLUMNS)
    writer.writeheader()
    count = 0
    for article in articles:
        writer.writerow({**article, "author": json.dumps(article["author"], ensure_ascii=False)})
        count += 1
    return count


def pages_jsonl(
    reader: ArchiveReader, warc_names: set[str], out: TextIO, selection: Selection = EVERYTHING
) -> tuple[int, int]:
    """Write a WACZ ``pages.jsonl`` of the articles ``selection`` keeps captured in
    ``warc_names``: url, title, timestamp (``ts``, the capture's WARC-Date) and clean text.
    Return (written, skipped)."""
    out.write(json.dumps(PAGES_HEADER) + "\n")
    written = skipped = 0
    for row in reader.article_captures(selection):
        if row["warc_filename"] not in warc_names:
            skipped += 1
            continue
        page = {
            "id": f"article-{row['id']}",
            "url": row["url"],
            "title": row["title"] or row["url"],
            "ts": row["fetched_at"],
            "text": row["text"],
        }
        out.write(json.dumps(page, ensure_ascii=False) + "\n")
        written += 1
    return written, skipped


def export_wacz(
    reader: ArchiveReader,
    warc_dir: Path | Sequence[Path],
    out: Path,
    title: str,
    selection: Selection = EVERYTHING,
) -> WaczReport:
    """Package the WARC files of ``warc_dir`` (one folder, or one per crawl node) and the
    archive's pages into the WACZ ``out``; with a ``selection``, only the WARC files holding
    what it keeps (see :meth:`ArchiveReader.warc_names`) and the pages of the articles it keeps."""
    try:
        folders = WarcFolders([warc_dir] if isinstance(warc_dir, Path) else warc_dir)
        warcs = folders.files()
    except ArchiveError as exc:
        raise ExportError(str(exc)) from exc
    if not warcs:
        raise ExportError(f"no WARC files in {folders}")
    if not selection.everything:
        kept = reader.warc_names(selection)
        warcs = [path for path in warcs if path.name in kept]
        if not warcs:
            raise ExportError(f"no WARC file of {folders} holds {selection.describe()}")
    with tempfile.TemporaryDirectory(prefix="archiver-wacz-") as tmp:
        pages = Path(tmp) / "pages.jsonl"
        with open(pages, "w", encoding="utf-8") as fh:
            written, skipped = pages_jsonl(reader, {p.name for p in warcs}, fh, selection)
        if not written:
            which = "" if selection.everything else f" ({selection.describe()})"
            raise ExportError(
                f"no article of the archive{which} was captured in the WARC files of {folders}"
            )
        partial = out.with_name(out.name + ".partial")
        command = [
            sys.executable, "-c", WACZ_MAIN, "create",
            "--output", str(partial),
            "--pages", str(pages), "--copy-pages",
            "--title", title,
            *map(str, warcs),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
            raise ExportError(f"wacz create failed (exit {result.returncode}): {last}")
    partial.replace(out)
    return WaczReport(len(warcs), written, skipped)
