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
from storage.errors import ArchiveError
from storage.extracted import decode_extracted
from storage.store import ArticleStore
from storage.warcfolders import WarcFolders
from storage.warcread import StoredResponse, iter_responses
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
        batch: list[tuple[int, StoredResponse]] = []
        for page in pages:
            batch.append(page)
            if len(batch) >= 64:
                _extract_batch(pool, batch, store, min_chars, prune_for, report)
                batch = []
        _extract_batch(pool, batch, store, min_chars, prune_for, report)
    store.commit()
    return report


def _html_pages(
    warc_dir: Path | Sequence[Path], store: ArticleStore, report: RebuildReport
) -> Iterator[tuple[int, StoredResponse]]:
    for path in warcs_to_rebuild_from(warc_dir):
        report.files += 1
        damaged: list[Damage] = []  # a damaged record is skipped, counted and named
        for ref, stored in iter_responses(path, damaged=damaged):
            report.responses += 1
            capture_id = store.index_record(ref, stored)
            is_page = stored.status == 200 and stored.mime in HTML_TYPES
            if stored.record_type == "response" and is_page:
                yield capture_id, stored
        report.damaged += len(damaged)
        for damage in damaged:
            log.warning("%s: a damaged record at byte %d skipped", path.name, damage.offset)


def _extract_batch(
    pool: ProcessPoolExecutor,
    batch: list[tuple[int, StoredResponse]],
    store: ArticleStore,
    min_chars: int,
    prune_for: PruneFor,
    report: RebuildReport,
) -> None:
    futures = [
        pool.submit(analyse, s.body, s.url, s.header("Content-Type"), min_chars, prune_for(s.url))
        for _, s in batch
    ]
    for (capture_id, stored), future in zip(batch, futures, strict=True):
        analysis = future.result()
        article, kind = analysis.article, analysis.kind
        store.set_capture_kind(capture_id, kind)
        if kind == ARTICLE and article is not None:
            report.count(store.save_article(article_row(article, capture_id, stored.warc_date)))


def reclean(store: ArticleStore, site: str | None = None) -> int:
    """Re-run both cleaning layers on stored articles from their stored blocks; count changes."""
    changed = 0
    for row in list(store.articles(site)):
        stored = decode_extracted(row["extracted"])
        blocks = tuple(Block.from_list(value) for value in stored.blocks)
        reasons = in_page_reasons(blocks, row["language"])
        kept = tuple(reason is None for reason in reasons)
        extracted = extracted_column(blocks, kept, reasons, stored.images)
        changed += store.replace_extracted(row["id"], extracted)
    store.commit()
    return changed
