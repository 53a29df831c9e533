"""Rebuild the archive's articles from what it already holds: WARC files, or stored blocks."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from archiver.crawl.article_row import article_row, extracted_column
from archiver.extraction.analysis import analyse
from archiver.extraction.cleaning import Block
from archiver.extraction.extract import in_page_reasons
from archiver.extraction.pagekind import ARTICLE
from archiver.extraction.teasers import found_teasers, teaser_reasons
from storage.errors import ArchiveError
from storage.extracted import decode_extracted
from storage.store import ArticleStore
from storage.warcfolders import WarcFolders
from storage.warcread import iter_rendered, iter_responses, read_rendered
from storage.warcrecover import Damage

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(slots=True)
class RebuildReport:
    """Counts from a rebuild."""

    files: int = 0
    responses: int = 0
    damaged: int = 0  # records skipped because they are torn or corrupted
    articles: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        """Count one article outcome (new, updated, unchanged)."""
        self.articles[outcome] = self.articles.get(outcome, 0) + 1


def warcs_to_rebuild_from(warc_dirs: Path | Sequence[Path]) -> list[Path]:
    """The WARC files of one or more folders (each node's), by name; an error if there are none."""
    folders = WarcFolders([warc_dirs] if isinstance(warc_dirs, Path) else warc_dirs)
    files = folders.files()
    if not files:
        raise ArchiveError(f"no WARC files in {folders}")
    return files


PruneFor = Callable[[str], tuple[str, ...]]


def no_pruning(url: str) -> tuple[str, ...]:
    """No selectors to prune, whatever the page."""
    return ()


def reextract(
    warc_dir: Path | Sequence[Path],
    store: ArticleStore,
    min_chars: int,
    workers: int = 0,
    prune_for: PruneFor = no_pruning,
) -> RebuildReport:
    """Index every response of the WARC files and extract its article with the crawl's code.

    ``warc_dir`` may be several folders, one per crawl node: their files are read by name.

    ``prune_for`` gives a page's site selectors to prune, as the crawl's sites file did.
    """
    report = RebuildReport()
    pages = _html_pages(warc_dir, store, report)
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        batch: list[Page] = []
        for page in pages:
            batch.append(page)
            if len(batch) >= 64:
                _extract_batch(pool, batch, store, min_chars, prune_for, report)
                batch = []
        _extract_batch(pool, batch, store, min_chars, prune_for, report)
    store.commit()
    return report


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML page to extract: its capture, and the bytes extraction reads (the DOM a browser
    built from it when the crawl rendered it, else the response body)."""

    capture_id: int
    url: str
    warc_date: str
    body: bytes
    content_type: str | None


def _html_pages(
    warc_dir: Path | Sequence[Path], store: ArticleStore, report: RebuildReport
) -> Iterator[Page]:
    files = warcs_to_rebuild_from(warc_dir)
    # The DOM a browser built, by the page response it was built from: extraction reads it, as
    # the crawl's did. It is written after the page, perhaps in a later file: all are read first.
    rendered = {page: (path, ref) for path in files for page, ref in iter_rendered(path)}
    for path in files:
        report.files += 1
        damaged: list[Damage] = []  # a damaged record is skipped, counted and named
        for ref, stored in iter_responses(path, damaged=damaged):
            report.responses += 1
            capture_id = store.index_record(ref, stored)
            is_page = stored.status == 200 and stored.mime in HTML_TYPES
            if stored.record_type != "response" or not is_page:
                continue
            body, content_type = stored.body, stored.header("Content-Type")
            if stored.record_id in rendered:
                dom_path, dom_ref = rendered[stored.record_id]
                body, content_type = read_rendered(dom_path, dom_ref.offset)
                store.mark_rendered(capture_id)
            yield Page(capture_id, stored.url, stored.warc_date, body, content_type)
        report.damaged += len(damaged)
        for damage in damaged:
            log.warning("%s: a damaged record at byte %d skipped", path.name, damage.offset)


def _extract_batch(
    pool: ProcessPoolExecutor,
    batch: list[Page],
    store: ArticleStore,
    min_chars: int,
    prune_for: PruneFor,
    report: RebuildReport,
) -> None:
    futures = [
        pool.submit(analyse, p.body, p.url, p.content_type, min_chars, prune_for(p.url))
        for p in batch
    ]
    for page, future in zip(batch, futures, strict=True):
        analysis = future.result()
        article, kind = analysis.article, analysis.kind
        store.set_capture_kind(page.capture_id, kind)
        if kind == ARTICLE and article is not None:
            row = article_row(article, page.capture_id, page.warc_date)
            report.count(store.save_article(row))


def reclean(store: ArticleStore, site: str | None = None) -> int:
    """Re-run both cleaning layers on stored articles from their stored blocks; count changes.

    The teaser verdicts stand as stored: they were read from the page's links."""
    changed = 0
    for row in list(store.articles(site)):
        stored = decode_extracted(row["extracted"])
        blocks = tuple(Block.from_list(value) for value in stored.blocks)
        teasers = found_teasers(blocks, stored.reasons or ())
        reasons = teaser_reasons(blocks, in_page_reasons(blocks, row["language"]), teasers)
        kept = tuple(reason is None for reason in reasons)
        extracted = extracted_column(blocks, kept, reasons, stored.images)
        changed += store.replace_extracted(row["id"], extracted)
    store.commit()
    return changed
