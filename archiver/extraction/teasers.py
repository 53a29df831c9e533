"""Teasers: a kept line that is nothing but a link to another page of the same site.

A story's text is not a link. A line that is one whole link, pointing elsewhere on the site, is
a teaser of another page ("top stories", "read next", a listing beside the article) even when
trafilatura keeps it with the body. A link to the page itself (a headline linked to its own
address) or to another site (a source the story cites) is left alone, and so are links shorter
than :data:`MIN_CHARS` (menus and tags, which the in-page layer judges by their words).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element

from archiver.extraction.cleaning import Block
from archiver.extraction.urls import host_of, is_crawlable

REASON = "teaser link"
MIN_CHARS = 15
_MARKS = "-|•* "  # what trafilatura puts before list items and table cells


def kept_lines(blocks: Sequence[Block], reasons: Sequence[str | None]) -> set[str]:
    """The kept lines long enough to be judged, as :func:`site_links` compares them."""
    return {
        plain(block.text)
        for block, reason in zip(blocks, reasons, strict=True)
        if reason is None and len(block.text) >= MIN_CHARS
    }


def site_links(tree: _Element, url: str, lines: Collection[str]) -> frozenset[str]:
    """Those of ``lines`` that are the whole text of a link in ``tree`` (the page at ``url``)
    to another page of the same site."""
    host = _site(url)
    if not host or not lines:  # no address to compare links with, or nothing to judge
        return frozenset()
    path = _path(url)  # it parses: host_of read it
    found = set()
    for anchor in tree.iter("a"):
        raw = anchor.text if not len(anchor) else "".join(anchor.itertext())
        if raw is None or len(raw) < MIN_CHARS or (text := plain(raw)) not in lines:
            continue
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        try:
            target = urljoin(url, href)
        except ValueError:
            continue
        if is_crawlable(target) and _site(target) == host and _path(target) != path:
            found.add(text)
    return frozenset(found)


def teaser_reasons(
    blocks: Sequence[Block], reasons: Sequence[str | None], links: Collection[str]
) -> tuple[str | None, ...]:
    """``reasons`` with :data:`REASON` for each kept line among ``links`` (:func:`site_links`)."""
    return tuple(
        REASON if reason is None and plain(block.text) in links else reason
        for block, reason in zip(blocks, reasons, strict=True)
    )


def found_teasers(blocks: Sequence[Block], reasons: Sequence[str | None]) -> set[str]:
    """The lines an earlier reading of the page found to be teasers (``reasons``: its verdicts;
    a row stored before them has none): what :func:`teaser_reasons` needs without the page."""
    return {
        plain(block.text)
        for block, reason in zip(blocks, reasons, strict=False)
        if reason == REASON
    }


def plain(text: str) -> str:
    """``text`` with its whitespace collapsed and trafilatura's list and cell marks removed."""
    return " ".join(text.split()).lstrip(_MARKS)


def _site(url: str) -> str:
    return host_of(url).removeprefix("www.")


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")
