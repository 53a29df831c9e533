"""What the crawl and every rebuild do with one page: extract it and tell its kind."""

from __future__ import annotations

from dataclasses import dataclass, replace

from archiver.extraction.evidence import PageEvidence, read_evidence
from archiver.extraction.extract import Article, read_page
from archiver.extraction.pagekind import page_kind
from archiver.extraction.urls import canonical_article_url


@dataclass(frozen=True, slots=True)
class PageAnalysis:
    """One page analysed: its article (stored under its canonical URL), kind and evidence."""

    article: Article | None
    kind: str
    evidence: PageEvidence


def analyse(
    body: bytes,
    url: str,
    content_type: str | None,
    min_chars: int,
    prune_xpath: tuple[str, ...] = (),
) -> PageAnalysis:
    """Extract, read the page's evidence, and decide its kind. Pure and picklable.

    The article's ``url`` is the page's canonical URL when that is on the same site, so one
    article reached by two addresses is stored once.
    """
    reading = read_page(body, url, content_type, prune_xpath)
    article, evidence = reading.article, reading.evidence
    if evidence is None:  # the page did not parse for extraction: read it on its own
        evidence = read_evidence(body, content_type)
    kind = page_kind(article, url, min_chars, evidence)
    if article is not None:
        canonical = canonical_article_url(url, evidence.canonical or article.canonical_url)
        article = replace(article, url=canonical, canonical_url=canonical)
    return PageAnalysis(article, kind, evidence)
