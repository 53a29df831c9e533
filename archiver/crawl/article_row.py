"""The archive's row for one extracted article, as the crawl and every rebuild store it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from archiver.extraction.cleaning import Block
from archiver.extraction.extract import Article
from archiver.extraction.metadata import EARLIEST_DAY, PAGE
from storage.extracted import encode_extracted
from storage.rows import ArticleRow, ImageRow


def article_row(
    article: Article,
    capture_id: int | None,
    fetched_at: str,
    crawl_id: int | None = None,
    listed: ListedDate | None = None,
) -> ArticleRow:
    """The archive's row for one extracted article.

    ``listed`` is the date a feed or news sitemap gave the page's URL, if the crawl came by one:
    it takes the place of a date from the URL or a guess, never of one the page declares.
    """
    published, source = article.published, article.published_source
    if listed is not None and source != PAGE and listed.plausible():
        published, source = listed.day, listed.source
    return ArticleRow(
        url=article.url,
        site=urlsplit(article.url).netloc.lower(),
        blocks=tuple(block.text for block in article.blocks),
        kept=article.kept,
        extracted=extracted_column(article.blocks, article.kept, article.reasons, article.images),
        fetched_at=fetched_at,
        title=article.title,
        author=article.author,
        published=published,
        language=article.language,
        description=article.description,
        page_type=page_type_column(article.page_type),
        access=article.access,
        published_source=source if published else None,
        capture_id=capture_id,
        crawl_id=crawl_id,
        images=article.images,
    )


@dataclass(frozen=True, slots=True)
class ListedDate:
    """The publication day a feed or news sitemap listed a page's URL with."""

    day: str  # YYYY-MM-DD
    source: str  # "feed" or "sitemap"

    def plausible(self) -> bool:
        """Whether the day can be a publication day: from 1995 to today (a day ahead allowed,
        for a listing written in a time zone ahead of ours)."""
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        return EARLIEST_DAY <= self.day <= tomorrow


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
