"""The archive's row for one extracted article, as the crawl and every rebuild store it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from archiver.extraction.cleaning import Block
from archiver.extraction.extract import Article
from storage.extracted import encode_extracted
from storage.rows import ArticleRow, ImageRow


def article_row(
    article: Article, capture_id: int | None, fetched_at: str, crawl_id: int | None = None
) -> ArticleRow:
    """The archive's row for one extracted article."""
    images = image_rows(article)
    return ArticleRow(
        url=article.url,
        site=urlsplit(article.url).netloc.lower(),
        blocks=tuple(block.text for block in article.blocks),
        kept=article.kept,
        extracted=extracted_column(article.blocks, article.kept, article.reasons, images),
        fetched_at=fetched_at,
        title=article.title,
        author=article.author,
        published=article.published,
        language=article.language,
        description=article.description,
        page_type=page_type_column(article.page_type),
        capture_id=capture_id,
        crawl_id=crawl_id,
        images=images,
    )


def image_rows(article: Article) -> tuple[ImageRow, ...]:
    """The archive's rows for the images of the article's body."""
    return tuple(
        ImageRow(i.src, i.alt, i.caption, i.credit, i.width, i.height) for i in article.images
    )


# Longest page_type kept: declared types are short words; anything longer is not a type.
PAGE_TYPE_CHARS = 40
_SCHEMA_ORG = re.compile(r"^https?://(www\.)?schema\.org/", re.I)


def page_type_column(declared: str | None) -> str | None:
    """The ``articles.page_type`` value for a page's declared type (og:type, else JSON-LD @type).

    The type as declared, lower-cased and trimmed, a schema.org address reduced to its name:
    ``article``, ``newsarticle``, ``blogposting``, ``video.other``. NULL when none or too long.
    """
    kind = _SCHEMA_ORG.sub("", " ".join((declared or "").split())).lower()
    return kind if kind and len(kind) <= PAGE_TYPE_CHARS else None


def extracted_column(
    blocks: Iterable[Block],
    kept: Iterable[bool],
    reasons: Iterable[str | None] | None = None,
    images: Sequence[ImageRow] = (),
) -> str:
    """The ``articles.extracted`` value for these blocks, in-page verdicts, drop reasons and
    body images."""
    return encode_extracted((block.to_list() for block in blocks), kept, reasons, images)
