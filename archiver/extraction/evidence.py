"""What a page's HTML says about itself: declared types, canonical link, how much is links."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import lxml.html
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from archiver.extraction.decoding import decode_html

_HEADINGS = "count(//h1[.//a[@href]] | //h2[.//a[@href]] | //h3[.//a[@href]] | //h4[.//a[@href]])"
_DROPPED = ("script", "style", "noscript", "template")
# A paragraph this long, outside links, is reporting rather than a teaser or a caption.
LONG_PARAGRAPH = 150
# Characters lxml parses but refuses to write back (as dropping a <script> rewrites its tail).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class PageEvidence:
    """Facts read from one page's HTML, for telling articles from hubs and for storage."""

    declared_types: tuple[str, ...] = ()  # og:type and JSON-LD @type values, lower-case
    canonical: str | None = None  # the href of <link rel="canonical">, as written
    link_density: float = 0.0  # share of the body's text that sits inside links
    headline_links: int = 0  # headings that are links: a listing's teasers
    long_paragraphs: int = 0  # paragraphs of reporting length
    invalid_utf8: bool = False  # declared UTF-8 but the bytes are not


def read_evidence(body: bytes, content_type: str | None = None) -> PageEvidence:
    """Read the evidence of one HTML page; an unparseable page gives empty evidence."""
    invalid = _invalid_utf8(body, content_type)
    try:
        tree = lxml.html.document_fromstring(_NOT_XML.sub(" ", decode_html(body, content_type)))
    except (etree.ParserError, ValueError):
        try:
            tree = lxml.html.document_fromstring(body)
        except (etree.ParserError, ValueError):
            return PageEvidence(invalid_utf8=invalid)
    declared = _declared(tree)
    for element in list(tree.iter(*_DROPPED)):
        try:
            element.drop_tree()
        except ValueError:  # a tail lxml will not write back (the raw-bytes parse): lose it
            element.tail = None
            element.drop_tree()
    return _measured(tree, declared, invalid, ())


def evidence_of(
    tree: lxml.html.HtmlElement, body: bytes | None, content_type: str | None
) -> PageEvidence:
    """:func:`read_evidence` from a tree extraction already parsed, without changing it: the text
    of the code it holds (:data:`_DROPPED`) is left out of the measures instead of dropped.
    ``body``: the bytes the tree came from, when it came from bytes (for the UTF-8 check)."""
    invalid = body is not None and _invalid_utf8(body, content_type)
    code = [
        e for e in tree.iter(*_DROPPED) if not any(a.tag in _DROPPED for a in e.iterancestors())
    ]
    return _measured(tree, _declared(tree), invalid, code)


def _declared(tree: lxml.html.HtmlElement) -> tuple[tuple[str, ...], str | None]:
    """The page's declared types and canonical link."""
    types = tuple(dict.fromkeys([*_og_types(tree), *_json_ld_types(tree)]))
    canonical = next(
        (
            str(href).strip()
            for link in tree.iter("link")
            if "canonical" in str(link.get("rel") or "").lower().split()
            and (href := link.get("href"))
        ),
        None,
    )
    return types, canonical


def _measured(
    tree: lxml.html.HtmlElement,
    declared: tuple[tuple[str, ...], str | None],
    invalid: bool,
    code: Sequence[lxml.html.HtmlElement],
) -> PageEvidence:
    """The body's proportions, leaving out the text of ``code`` (elements still in the tree)."""
    body_element = tree.find("body")
    scope = body_element if body_element is not None else tree
    inside = [e for e in code if scope in e.iterancestors()]  # outermost code: disjoint
    text = _length(scope) - sum(_length(e) for e in inside)
    linked = sum(_length(a) for a in scope.iter("a")) - sum(
        _length(a) for e in inside for a in e.iter("a")
    )
    long_paragraphs = _long_paragraphs(scope) - sum(_long_paragraphs(e) for e in inside)
    return PageEvidence(
        declared_types=declared[0],
        canonical=declared[1],
        link_density=linked / text if text > 0 else 0.0,
        headline_links=int(scope.xpath(_HEADINGS)),
        long_paragraphs=long_paragraphs,
        invalid_utf8=invalid,
    )


def _og_types(tree: lxml.html.HtmlElement) -> Iterator[str]:
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:type":
            content = (meta.get("content") or "").strip().lower()
            if content:
                yield content


def _json_ld_types(tree: lxml.html.HtmlElement) -> Iterator[str]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from _types_in(data, depth=0)


def _types_in(data: object, depth: int) -> Iterator[str]:
    """``@type`` values of the top-level objects and of ``@graph`` members (not nested authors)."""
    if depth > 2:
        return
    if isinstance(data, list):
        for item in data:
            yield from _types_in(item, depth + 1)
    elif isinstance(data, dict):
        kind = data.get("@type")
        for value in kind if isinstance(kind, list) else [kind]:
            if isinstance(value, str) and value.strip():
                yield value.strip().lower().rpartition("/")[2]
        if "@graph" in data:
            yield from _types_in(data["@graph"], depth + 1)


def _length(element: lxml.html.HtmlElement) -> int:
    return len(" ".join(element.text_content().split()))


def _long_paragraphs(element: lxml.html.HtmlElement) -> int:
    """Paragraphs of reporting length in ``element`` (itself included)."""
    return sum(1 for p in element.iter("p") if _own_length(p) >= LONG_PARAGRAPH)


def _own_length(paragraph: lxml.html.HtmlElement) -> int:
    """Characters of a paragraph's text that are not link text."""
    return _length(paragraph) - sum(_length(a) for a in paragraph.iter("a"))


def _invalid_utf8(body: bytes, content_type: str | None) -> bool:
    declared = http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)
    if (declared or "").lower().replace("_", "-") not in {"utf-8", "utf8"}:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
