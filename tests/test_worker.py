"""Memory: workers without crawl-side imports, freed heap handed back, the same results."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from lxml.html import fromstring
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from trafilatura import external
from twisted.internet.task import Clock

from archiver.crawl.heap_trim import HeapTrim
from archiver.crawl.pipelines import ExtractionPipeline
from archiver.extraction import heap, worker
from archiver.extraction.analysis import analyse
from spiders.site import SiteSpider
from tests.worker_probe import heavy_modules

PAGE = Path(__file__).parent / "site" / "appeal-news" / "news" / "2026" / "10"
URL = "http://127.0.0.2/news/2026/10/teachers-ratify-three-year-contract.html"


def _imports_of(module: str) -> list[str]:
    """Crawl-side packages a fresh interpreter holds after importing ``module``."""
    probe = f"import {module}, tests.worker_probe as p; print(' '.join(p.heavy_modules()))"
    root = Path(__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_worker_module_imports_nothing_of_the_crawler() -> None:
    assert _imports_of("archiver.extraction.worker") == []


def test_archiver_command_module_is_light() -> None:
    """Workers re-run the ``archiver`` script, which imports its entry point's module."""
    (script,) = entry_points(group="console_scripts", name="archiver")
    assert _imports_of(script.module) == []


def test_pool_workers_do_not_import_the_crawler() -> None:
    pipeline = ExtractionPipeline.from_crawler(
        get_crawler(SiteSpider, {"EXTRACT_WORKERS": 1, "EXTRACT_ENABLED": True})
    )
    pipeline.open_spider()
    try:
        assert pipeline.pool is not None
        loaded = pipeline.pool.submit(heavy_modules).result(timeout=60)
    finally:
        pipeline.close_spider()
    assert loaded == []


def test_analysis_in_a_worker_is_the_analysis_and_trims_every_n_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trims: list[int] = []
    monkeypatch.setattr(worker.heap, "trim", lambda: trims.append(1))
    monkeypatch.setattr(worker, "TRIM_EVERY", 2)
    monkeypatch.setattr(worker, "_tasks", 0)
    body = (PAGE / "teachers-ratify-three-year-contract.html").read_bytes()
    expected = analyse(body, URL, "text/html", 400)
    results = [worker.analyse_in_worker(body, URL, "text/html", 400) for _ in range(5)]
    assert results == [expected] * 5
    assert expected.article is not None
    assert trims == [1, 1]


def test_heap_trim_works_on_glibc() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    assert heap.available()
    heap.trim()


def test_crawl_process_trims_its_heap_every_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[float] = []
    clock = Clock()
    monkeypatch.setattr(heap, "trim", lambda: trims.append(clock.seconds()))
    trim = HeapTrim(2.0, clock)
    trim.spider_opened()
    clock.pump([1.0] * 7)
    trim.spider_closed()
    clock.pump([1.0] * 4)
    assert trims == [2.0, 4.0, 6.0]


def test_heap_trim_is_off_at_zero() -> None:
    with pytest.raises(NotConfigured):
        HeapTrim.from_crawler(get_crawler(SiteSpider, {"HEAP_TRIM_INTERVAL": 0}))
    crawler = get_crawler(SiteSpider, {"HEAP_TRIM_INTERVAL": 1.5})
    assert HeapTrim.from_crawler(crawler).interval == 1.5


def test_stoplist_stand_in_holds_trafilaturas_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stoplist set through extraction.trafilatura_internals has trafilatura's words."""
    monkeypatch.setattr(external, "JT_STOPLIST", None)
    assert set(worker.AllStoplists()) == set(external.jt_stoplist_init())


def test_justext_on_the_stand_in_extracts_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    html = (PAGE / "teachers-ratify-three-year-contract.html").read_text()

    def justext_text() -> list[str | None]:
        return [p.text for p in external.try_justext(fromstring(html), URL, None)]

    monkeypatch.setattr(external, "JT_STOPLIST", None)
    with_tuple = justext_text()
    assert isinstance(external.JT_STOPLIST, tuple)
    monkeypatch.setattr(external, "JT_STOPLIST", None)
    worker.share_stoplist()
    assert isinstance(external.JT_STOPLIST, worker.AllStoplists)
    assert justext_text() == with_tuple
    assert len(with_tuple) > 3


def test_share_stoplist_keeps_a_tuple_already_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external, "JT_STOPLIST", ("a", "the"))
    worker.share_stoplist()
    assert external.JT_STOPLIST == ("a", "the")
