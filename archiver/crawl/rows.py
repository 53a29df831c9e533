"""The archive's row for one extracted article, as the crawl and every rebuild store it."""

from __future__ import annotations

from urllib.parse import urlsplit

from archiver.extraction.extract import Article
from storage.extracted import encode_extracted
from storage.rows import ArticleRow


def article_row(
    article: Article, capture_id: int | None, fetched_at: str, crawl_id: int | None = None
) -> ArticleRow:
    """The archive's row for one extracted article."""
    return ArticleRow(
        url=article.url,
        site=urlsplit(article.url).netloc.lower(),
        blocks=tuple(block.text for block in article.blocks),
        kept=article.kept,
        extracted=encode_extracted((block.to_list() for block in article.blocks), article.kept),
        fetched_at=fetched_at,
        title=article.title,
        author=article.author,
        published=article.published,
        language=article.language,
        description=article.description,
        capture_id=capture_id,
        crawl_id=crawl_id,
    )
