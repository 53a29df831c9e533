"""The development corpus as the line model sees it: each page's lines, verdicts and labels.

Extraction runs once per page and is cached in ``.cache/lines-dataset.json`` (not committed);
features are computed from the cache by the package's own feature function, so changing a
feature needs no new extraction. Labels come from the corpus's ``with`` / ``without`` segments.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction.cleaning import Block  # noqa: E402
from archiver.extraction.extract import extract_article  # noqa: E402
from archiver.extraction.regions import second_opinion  # noqa: E402
from benchmarks.extraction import Page, load_pages  # noqa: E402

CACHE = REPO / ".cache" / "lines-dataset.json"
T = TypeVar("T")
_ARCHIVED = re.compile(r"/web/\d+[a-z_]*/(https?://[^/]+)")


@dataclass(frozen=True, slots=True)
class PageLines:
    """One page: its site, segments, trafilatura's lines with the in-page verdicts, opinions."""

    url: str
    site: str
    with_: tuple[str, ...]
    without: tuple[str, ...]
    blocks: tuple[Block, ...]
    reasons: tuple[str | None, ...]
    opinions: dict[str, str]  # other extractors' text of the page, by name
    markup_chars: int  # the decoded page's length


def site_of(url: str, file: str) -> str:
    """The site a page belongs to, for grouping folds (archive.org copies count as the original)."""
    if url.startswith("http"):
        parts = urlsplit(url)
        if parts.hostname == "web.archive.org":
            found = _ARCHIVED.search(url)
            if found:
                return (urlsplit(found.group(1)).hostname or file).removeprefix("www.")
        return (parts.hostname or file).removeprefix("www.")
    return file.split("-")[0].split(".html")[0]


def build(root: Path) -> list[PageLines]:
    """Extract every page of the corpus at ``root``, once."""
    annotations = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages: list[Page] = load_pages(root, None)
    out = []
    for page in pages:
        article = extract_article(page.html, page.url)
        # trafilatura's own lines and the in-page verdicts: what the region stage starts from
        own = [s is None for s in article.scores] if article and article.scores else None
        blocks = tuple(_own(article.blocks, own)) if article else ()
        reasons = tuple(_own(article.reasons, own)) if article else ()
        site = site_of(page.url, annotations[page.url]["file"])
        opinions = {"resiliparse": "\n".join(second_opinion(page.html))}
        row = (page.url, site, page.with_, page.without, blocks, reasons, opinions, len(page.html))
        out.append(PageLines(*row))
    return out


def _own(values: Sequence[T], own: list[bool] | None) -> list[T]:
    """The values of trafilatura's own lines (all when the region stage added none)."""
    return list(values) if own is None else [v for v, mine in zip(values, own, strict=True) if mine]


def load(root: Path, rebuild: bool = False) -> list[PageLines]:
    """The cached dataset, built first when missing."""
    if CACHE.exists() and not rebuild:
        data = json.loads(CACHE.read_text(encoding="utf-8"))
        return [_from_json(entry) for entry in data]
    start = time.perf_counter()
    pages = build(root)
    CACHE.parent.mkdir(exist_ok=True)
    CACHE.write_text(json.dumps([_to_json(p) for p in pages], ensure_ascii=False))
    print(f"extracted {len(pages)} pages in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return pages


def _to_json(page: PageLines) -> dict[str, Any]:
    return {
        "url": page.url,
        "site": page.site,
        "with": page.with_,
        "without": page.without,
        "blocks": [b.to_list() for b in page.blocks],
        "reasons": page.reasons,
        "opinions": page.opinions,
        "markup_chars": page.markup_chars,
    }


def _from_json(entry: dict[str, Any]) -> PageLines:
    return PageLines(
        entry["url"],
        entry["site"],
        tuple(entry["with"]),
        tuple(entry["without"]),
        tuple(Block.from_list(b) for b in entry["blocks"]),
        tuple(entry["reasons"]),
        entry["opinions"],
        entry["markup_chars"],
    )
