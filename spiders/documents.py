"""Tell what a response body is from its bytes, whatever its Content-Type claims."""

from __future__ import annotations

import re
import zlib

from lxml import etree

FEED = "feed"
SITEMAP = "sitemap"
HTML = "html"
GZIP = "gzip"
OTHER = "other"

_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
_HTML_ROOTS = frozenset({"html", "head", "body"})
# What may precede the root element: XML declaration, processing instructions, comments, doctype.
_PROLOGUE = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)", re.I | re.S)
_FIRST_TAG = re.compile(rb"\s*<([a-zA-Z][\w.:-]*)")
_HTML_TAG = re.compile(rb"<(html|head|body|div|p|title)[\s>]", re.I)
_BOMS = (b"\xef\xbb\xbf",)
_SNIFF_BYTES = 4096


class DecompressionError(ValueError):
    """A gzip body that is damaged or inflates beyond the size allowed."""


class InflatesTooFar(DecompressionError):
    """A gzip body that inflates beyond the size allowed: a gzip bomb, or simply too big."""


def sniff(body: bytes) -> str:
    """``feed``, ``sitemap``, ``html``, ``gzip`` or ``other``, from the body's first bytes."""
    head = body[:_SNIFF_BYTES]
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    for bom in _BOMS:
        head = head.removeprefix(bom)
    if head.lstrip()[:14].lower().startswith(b"<!doctype html"):
        return HTML
    position = 0
    while match := _PROLOGUE.match(head, position):
        position = match.end()
    tag = _FIRST_TAG.match(head, position)
    if tag is None:
        return OTHER
    name = tag.group(1).decode("ascii", "replace").lower().rpartition(":")[2]
    if name in _FEED_ROOTS:
        return FEED
    if name in _SITEMAP_ROOTS:
        return SITEMAP
    if name in _HTML_ROOTS:
        return HTML
    return OTHER


def looks_like_html(body: bytes) -> bool:
    """Whether a body that should be plain text (robots.txt) is an HTML page instead."""
    return sniff(body) == HTML or bool(_HTML_TAG.search(body[:_SNIFF_BYTES]))


def gunzip(data: bytes, max_size: int) -> bytes:
    """Inflate a gzip body, refusing to produce more than ``max_size`` bytes (0: no limit)."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    limit = max_size + 1 if max_size else 0
    try:
        out = inflater.decompress(data, limit)
        if max_size and (len(out) > max_size or inflater.unconsumed_tail):
            raise InflatesTooFar(f"inflates beyond {max_size} bytes")
        out += inflater.flush()
    except zlib.error as exc:
        raise DecompressionError(f"damaged gzip data: {exc}") from exc
    if not inflater.eof:
        raise DecompressionError("truncated gzip data")
    return out


def parse_xml(body: bytes) -> tuple[etree._Element | None, bool]:
    """The document's root and whether the parser had to recover from errors.

    Entities are not resolved and the network is never used, so hostile XML (billion laughs,
    external entities) costs nothing.
    """
    parser = etree.XMLParser(
        recover=True,
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None, True
    damaged = any(error.level >= etree.ErrorLevels.ERROR for error in parser.error_log)
    return root, damaged


def local_name(element: etree._Element) -> str:
    """An element's tag without its namespace, lower-cased; '' for comments and the like."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].lower()


def robots_sitemaps(body: bytes) -> list[str]:
    """The ``Sitemap:`` values of a robots.txt, as written (Scrapy's reader raises on a bad one)."""
    found = []
    for line in body.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "sitemap" and value.strip():
            found.append(value.strip())
    return found
