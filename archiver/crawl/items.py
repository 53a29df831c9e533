"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass

from archiver.crawl.article_row import ListedDate
from archiver.extraction.extract import Article


@dataclass(slots=True)
class PageItem:
    """An HTML page fetched by the crawl, as decoded bytes, on its way to extraction and storage."""

    url: str
    body: bytes
    content_type: str | None
    capture_id: int | None
    fetched_at: str | None = None
    revisit: bool = False  # archived as a WARC revisit: same bytes as the last capture
    prune: tuple[str, ...] = ()  # the site's extra XPath expressions to remove before extraction
    article: Article | None = None
    kind: str | None = None
    listed: ListedDate | None = None  # the date a feed or news sitemap gave the URL

    def __repr__(self) -> str:
        """The page without its body or text: Scrapy logs items, and a log line is no page."""
        return f"PageItem(url={self.url!r}, kind={self.kind!r}, capture_id={self.capture_id!r})"
