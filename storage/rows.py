"""The rows the crawl hands the archive: one capture of a response, one extracted article."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from storage.clock import now_iso
from storage.warc import WarcRef


@dataclass(frozen=True, slots=True)
class CaptureRow:
    """One archived response: what it was and where its WARC record lives."""

    url: str
    status: int
    mime: str | None
    fetched_at: str
    ref: WarcRef
    payload_digest: str | None
    content_length: int
    crawl_id: int | None = None
    record_type: str = "response"
    kind: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    refers_to: int | None = None
    rendered: bool = False


@dataclass(frozen=True, slots=True)
class PriorCapture:
    """The latest full response archived for a URL: what a revisit refers to."""

    id: int
    url: str
    status: int
    payload_digest: str | None
    fetched_at: str
    kind: str | None


@dataclass(frozen=True, slots=True)
class ImageRow:
    """One image of an article's body, as extraction found it (its capture is found by URL)."""

    src: str
    alt: str | None = None
    caption: str | None = None
    credit: str | None = None
    width: int | None = None
    height: int | None = None

    def to_list(self) -> list[str | int | None]:
        """Its fields in order, as the ``extracted`` JSON keeps them."""
        return [self.src, self.alt, self.caption, self.credit, self.width, self.height]


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One article as extraction hands it to the archive, before the site layer.

    ``blocks`` are trafilatura's lines and ``kept`` says which the in-page layer kept;
    ``extracted`` is the JSON the in-page layer needs to run again without the HTML.
    """

    url: str
    site: str
    blocks: tuple[str, ...]
    kept: tuple[bool, ...]
    extracted: str
    fetched_at: str
    title: str | None = None
    author: tuple[str, ...] = ()
    published: str | None = None
    language: str | None = None
    description: str | None = None
    page_type: str | None = None
    access: str | None = None
    published_source: str | None = None
    capture_id: int | None = None
    crawl_id: int | None = None
    images: tuple[ImageRow, ...] = ()  # in the body, in order

    def columns(self) -> dict[str, object]:
        """The ``articles`` columns saving this row writes (the site layer writes ``text``)."""
        return {
            "url": self.url,
            "site": self.site,
            "title": self.title,
            "author": json.dumps(list(self.author), ensure_ascii=False),
            "published": self.published,
            "language": self.language,
            "description": self.description,
            "page_type": self.page_type,
            "access": self.access,
            "published_source": self.published_source,
            "extracted": self.extracted,
            "capture_id": self.capture_id,
            "crawl_id": self.crawl_id,
            "fetched_at": self.fetched_at,
            "updated_at": now_iso(),
        }

    @property
    def dated(self) -> tuple[str | None, str | None]:
        """The publication date and where it came from."""
        return self.published, self.published_source

    def keeping_listed_date(self, published: str | None, source: str | None) -> ArticleRow:
        """This row, keeping a stored feed or sitemap date (``published``, ``source``) when it
        has no better one.

        A page fetched again without its listing (a rebuild from WARC files, a link found
        first) brings at best a date from its URL or a guess, which rank below the listing's;
        a date the page itself now declares ranks above it and replaces it.
        """
        if source not in LISTED_SOURCES or self.published_source in {"page", *LISTED_SOURCES}:
            return self
        return replace(self, published=published, published_source=source)


# Date sources a capture alone cannot give again: the feed or news sitemap the crawl came by.
LISTED_SOURCES = frozenset({"feed", "sitemap"})
