"""One page's article: HTML in, :class:`Article` out (trafilatura, then our cleaning).

``extract_article`` is pure and picklable, so the crawl's process pool, ``archiver extract``,
``archiver reextract`` and the benchmarks all run the very same code.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml.etree import _Element

from archiver.extraction.access import article_access, declared_access
from archiver.extraction.cleaning import Block, drop_reasons, stops_at_paywall
from archiver.extraction.decoding import decode_html
from archiver.extraction.evidence import PageEvidence, evidence_of
from archiver.extraction.images import body_images
from archiver.extraction.metadata import JSON_SCRIPT_TYPES, PageMetadata, read_metadata
from archiver.extraction.regions import widen
from archiver.extraction.teasers import kept_lines, site_links, teaser_reasons
from archiver.extraction.trafilatura_internals import load_html, trafilatura_body, xmltotxt
from storage.rows import ImageRow

log = logging.getLogger(__name__)

# Elements of trafilatura's output a line of its text can start in, and the marks _blocks_of uses
# to find them again: Yijing hexagram symbols, printable (trafilatura keeps them) and unheard of in
# news text (a page using them gets untagged blocks).
_LINE_TAGS = ("p", "head", "item", "quote", "cell", "code")
_MARK_OF_TAG = {tag: chr(0x4DC0 + i) for i, tag in enumerate(_LINE_TAGS)}
_TAG_OF_MARK = {mark: tag for tag, mark in _MARK_OF_TAG.items()}
_MARK = re.compile("[\u4dc0-\u4dff]")

_HTML_LANG = re.compile(r"<html[^>]*?\slang=[\"']?([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)?", re.I)


@dataclass(frozen=True, slots=True)
class Article:
    """The cleaned article of one page, with its metadata."""

    url: str
    text: str
    title: str | None = None
    author: tuple[str, ...] = ()
    published: str | None = None
    language: str | None = None
    description: str | None = None
    sitename: str | None = None
    canonical_url: str | None = None
    page_type: str | None = None
    access: str | None = None  # free, paywalled or metered; None when unknown
    published_source: str | None = None  # where published came from (metadata.DATE_SOURCES)
    blocks: tuple[Block, ...] = field(default=(), repr=False)
    kept: tuple[bool, ...] = field(default=(), repr=False)
    # Why the in-page layer dropped each block ("appeal", "related links", ...); None: kept.
    reasons: tuple[str | None, ...] = field(default=(), repr=False)
    images: tuple[ImageRow, ...] = field(default=(), repr=False)  # in the body, in order
    # The region model's score of each block it added to trafilatura's (None: trafilatura's own);
    # empty: none added.
    scores: tuple[float | None, ...] = field(default=(), repr=False)

    @property
    def raw_text(self) -> str:
        """trafilatura's own text, before our cleaning (blocks the region stage added left out)."""
        added = self.scores or (None,) * len(self.blocks)
        return "\n".join(b.text for b, s in zip(self.blocks, added, strict=True) if s is None)


def in_page_verdicts(blocks: tuple[Block, ...], language: str | None) -> tuple[bool, ...]:
    """For each block, whether the in-page layer keeps it."""
    return tuple(reason is None for reason in in_page_reasons(blocks, language))


def in_page_reasons(blocks: tuple[Block, ...], language: str | None) -> tuple[str | None, ...]:
    """For each block, why the in-page layer drops it; None for a block it keeps."""
    return tuple(drop_reasons(blocks, language))


def extract_article(
    html: str | bytes,
    url: str,
    content_type: str | None = None,
    prune_xpath: tuple[str, ...] = (),
) -> Article | None:
    """Extract the cleaned article from one page; ``None`` when the page holds no article text.

    ``html`` may be bytes as received (after Content-Encoding is undone); they are decoded the way
    a browser would, using ``content_type`` (the HTTP header) when given. ``prune_xpath`` names
    elements to remove before extraction (a site's extra selectors). Never raises on bad input.
    """
    return read_page(html, url, content_type, prune_xpath, with_evidence=False).article


@dataclass(frozen=True, slots=True)
class PageReading:
    """A page's article and its evidence, read from one parse of it."""

    article: Article | None
    evidence: PageEvidence | None  # None: the page did not parse, or reading it failed


def read_page(
    html: str | bytes,
    url: str,
    content_type: str | None = None,
    prune_xpath: tuple[str, ...] = (),
    *,
    with_evidence: bool = True,
) -> PageReading:
    """:func:`extract_article`, and the page's evidence from the same parsed tree (read before
    trafilatura takes the tree; not read when ``with_evidence`` is false). Never raises on bad
    input."""
    evidence = None
    try:
        markup = decode_html(html, content_type) if isinstance(html, bytes) else html
        if not markup or markup.isspace():
            return PageReading(None, None)
        tree = load_html(markup)
        if tree is None:
            return PageReading(None, None)
        code = list(tree.iter("script", "style", "svg"))
        json_scripts = [e for e in code if e.tag == "script" and e.get("type") in JSON_SCRIPT_TYPES]
        meta = read_metadata(tree, url, markup, json_scripts)  # before trafilatura takes the tree
        declared = declared_access(tree, markup, json_scripts)
        _drop_code(element for element in code if element not in json_scripts)
        evidence = _evidence(tree, html, content_type, url) if with_evidence else None
        body = trafilatura_body(tree, url, prune_xpath)
    except Exception:  # trafilatura and lxml raise many kinds on hostile input
        log.warning("extraction failed for %s", url, exc_info=True)
        return PageReading(None, evidence)
    if body is None:
        return PageReading(None, evidence)
    return PageReading(_article(url, markup, tree, body, meta, declared), evidence)


def _evidence(
    tree: _Element, html: str | bytes, content_type: str | None, url: str
) -> PageEvidence | None:
    try:
        return evidence_of(tree, html if isinstance(html, bytes) else None, content_type)
    except Exception:  # the caller reads it again on its own
        log.debug("reading evidence failed for %s", url, exc_info=True)
        return None


def _article(
    url: str,
    markup: str,
    tree: _Element,
    body: _Element,
    meta: PageMetadata,
    declared: str | None,
) -> Article | None:
    """The article from trafilatura's output ``body``: cleaned, widened, with its metadata."""
    blocks = tuple(_blocks_of(body))
    if not blocks:
        return None
    language = _declared_language(markup)
    reasons = in_page_reasons(blocks, language)
    widened = widen(markup, blocks, reasons, language)  # what trafilatura left out, if agreed
    blocks = widened.blocks
    links = site_links(tree, url, kept_lines(blocks, widened.reasons))  # teasers trafilatura kept
    reasons = teaser_reasons(blocks, widened.reasons, links)
    kept = tuple(reason is None for reason in reasons)
    return Article(
        url=url,
        text="\n".join(block.text for block, keep in zip(blocks, kept, strict=True) if keep),
        title=_nfc(meta.title),
        author=_authors(meta.author),
        published=meta.published,
        language=language,
        description=_nfc(meta.description),
        sitename=_nfc(meta.sitename),
        canonical_url=meta.url if meta.url and meta.url != url else None,
        page_type=meta.page_type,
        access=article_access(declared, stops_at_paywall(reasons)),
        published_source=meta.published_source,
        blocks=blocks,
        kept=kept,
        reasons=reasons,
        images=_images(tree, url, blocks, kept),
        scores=widened.scores if any(s is not None for s in widened.scores) else (),
    )


def _images(
    tree: _Element, url: str, blocks: tuple[Block, ...], kept: tuple[bool, ...]
) -> tuple[ImageRow, ...]:
    """The body's images, read from the page's tree (trafilatura only pruned it).

    The body is found from its kept paragraphs (a headline is looked for through every text of
    the page; a paragraph, through the paragraphs alone), or its kept lines when none is one.
    """
    lines = [b.text for b, k in zip(blocks, kept, strict=True) if k]
    paragraphs = [b.text for b, k in zip(blocks, kept, strict=True) if k and b.tag == "p"]
    try:
        return body_images(tree, url, paragraphs or lines)
    except Exception:  # hostile markup must not cost the article its text
        log.warning("reading images failed for %s", url, exc_info=True)
        return ()


def _drop_code(elements: Iterable[_Element]) -> None:
    """Remove ``elements`` (the page's code: scripts, style sheets, inline SVG), keeping the
    text after them.

    trafilatura discards them too, but only after copying the tree three times over, and inline
    code and drawings are often most of a page's weight. Its output is the same with or without
    them (checked on all 990 pages of the evaluation corpus; ``noscript``, ``template`` and
    ``iframe`` did change it). JSON-LD stays, for trafilatura's structured-data rescue.
    """
    for element in elements:
        parent = element.getparent()
        if parent is None:
            continue
        if element.tail:
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)


def _blocks_of(body: _Element) -> list[Block]:
    """Split trafilatura's output tree into the lines its text output would have.

    Each line is tagged with the output element it starts in (``p``, ``head``, ``item``...): the
    tree's text is marked in place (it is not used afterwards) with one rare printable character
    per tag, which trafilatura's own text conversion carries through to the line it lands on.
    """
    if _MARK.search("".join(body.itertext())):  # the page itself uses the marks: no tags
        text = unicodedata.normalize("NFC", xmltotxt(body, False))
        return [Block(line) for line in (raw.strip() for raw in text.split("\n")) if line]
    _mark_lines(body, "p")
    text = unicodedata.normalize("NFC", xmltotxt(body, False))
    blocks = []
    for raw in text.split("\n"):
        line = _MARK.sub("", raw).strip()
        if line:
            mark = _MARK.search(raw)
            blocks.append(Block(line, _TAG_OF_MARK[mark.group()] if mark else "p"))
    return blocks


def _mark_lines(element: _Element, tag: str) -> None:
    """Prefix every text of ``element`` with the mark of the line element it belongs to."""
    if not isinstance(element.tag, str):  # a comment or processing instruction
        return
    own = element.tag if element.tag in _LINE_TAGS else tag
    element.text = _marked(element.text, own)
    for child in element:
        _mark_lines(child, own)
        child.tail = _marked(child.tail, own)


def _marked(text: str | None, tag: str) -> str | None:
    """``text`` with the mark of ``tag`` before its first visible character."""
    if not text or text.isspace():
        return text
    start = len(text) - len(text.lstrip())
    return text[:start] + _MARK_OF_TAG[tag] + text[start:]


def _declared_language(markup: str) -> str | None:
    """The page's ``<html lang>``, reduced to its primary subtag."""
    match = _HTML_LANG.search(markup, 0, 4096)
    return match.group(1).lower() if match else None


def _authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(name.strip() for name in value.split(";") if name.strip())


def _nfc(value: str | None) -> str | None:
    return unicodedata.normalize("NFC", value).strip() or None if value else None
