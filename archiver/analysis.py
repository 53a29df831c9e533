"""What the crawl and every rebuild do with one page: extract, classify, and shape the row."""

from __future__ import annotations

from urllib.parse import urlsplit

from archiver.extract import Article, extract_article
from archiver.pagekind import page_kind
from storage.store import ArticleRow


def analyse_page(
    body: bytes, url: str, content_type: str | None, min_chars: int
) -> tuple[Article | None, str]:
    """The cleaned article and the page's kind. Pure and picklable: runs in worker processes."""
    article = extract_article(body, url, content_type)
    return article, page_kind(article, url, min_chars)


def article_row(
    article: Article, capture_id: int | None, fetched_at: str, crawl_id: int | None = None
) -> ArticleRow:
    """The archive's row for one extracted article."""
    return ArticleRow(
        url=article.url,
        site=urlsplit(article.url).netloc.lower(),
        blocks=tuple(block.text for block in article.blocks),
        kept=article.kept,
        extracted=article.extracted_json(),
        fetched_at=fetched_at,
        title=article.title,
        author=article.author,
        published=article.published,
        language=article.language,
        description=article.description,
        capture_id=capture_id,
        crawl_id=crawl_id,
    )
