"""Every use of trafilatura's internals (and justext's), in one place, and why each is needed.

trafilatura's public ``bare_extraction`` copies the tree it is given, runs its metadata pass
(about 10 ms a page, more than the rest together) and builds a justext stoplist of 154k words in
every worker. We call the steps behind it directly: ``trafilatura_body`` runs its extraction
sequence on our own parsed tree, ``metadata`` reads only what a page declares with its helpers,
and the worker hands justext a lighter stoplist. These names are not trafilatura's public API,
so pyproject.toml pins trafilatura to 2.3.x, and tests/test_extraction_equivalence.py and
tests/test_metadata.py hold our results to ``bare_extraction`` / ``extract_metadata``: a release
that changes what happens around these steps fails there first.
"""

from __future__ import annotations

from collections.abc import Iterable

from htmldate.core import examine_abbr_elements, examine_header, examine_time_elements
from htmldate.extractors import extract_url_date, json_search
from htmldate.utils import Extractor as DateOptions
from htmldate.validators import get_max_date, get_min_date
from justext.utils import get_stoplist, get_stoplists
from lxml.etree import XPath, _Element, strip_tags
from lxml.html import HtmlElement
from trafilatura import external
from trafilatura.core import trafilatura_sequence
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_json
from trafilatura.metadata import (
    JSON_MINIFY,
    Document,
    examine_meta,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Extractor
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

__all__ = [
    "JSON_MINIFY",
    "Document",
    "examine_meta",
    "extract_json",
    "extract_json_parse_error",
    "extract_sitename",
    "extract_title",
    "extract_url",
    "get_stoplist",
    "get_stoplists",
    "justext_stoplist",
    "load_html",
    "normalize_json",
    "set_justext_stoplist",
    "markup_date",
    "trafilatura_body",
    "url_date",
    "xmltotxt",
]


def trafilatura_body(
    tree: HtmlElement, url: str, prune_xpath: tuple[str, ...] = ()
) -> _Element | None:
    """trafilatura's output tree for the page, as ``bare_extraction`` finds it, or ``None``.

    Equivalent to ``bare_extraction(tree, url=url, include_comments=False,
    prune_xpath=...).body`` (a test holds the two together), but it works on ``tree`` itself
    where ``bare_extraction`` first copies a tree it is given (about 0.5 ms of 20 a page), so
    ``tree`` must not be used afterwards.
    """
    options = Extractor(output_format="txt", comments=False, url=url)
    if prune_xpath:
        tree = prune_unwanted_nodes(tree, [XPath(expression) for expression in prune_xpath])
    body, text, _, comments = trafilatura_sequence(tree, options, url)
    if options.max_tree_size and len(body) > options.max_tree_size:
        strip_tags(body, "hi")
        if len(body) > options.max_tree_size:
            return None
    if len(text) < options.min_output_size and len(comments) < options.min_output_comm_size:
        return None
    return body


def markup_date(tree: HtmlElement, today: str) -> str | None:
    """The publication date htmldate reads from the page's markup alone, ``YYYY-MM-DD``.

    The steps of htmldate's ``find_date`` that read what the page declares (meta tags, JSON,
    ``<abbr>`` and ``<time>`` elements), without its searches of text and title: what tells a
    date the page gives from one htmldate guessed.
    """
    options = DateOptions(False, get_max_date(today), get_min_date(None), True, "%Y-%m-%d")
    return (
        examine_header(tree, options)
        or json_search(tree, options)
        or examine_abbr_elements(tree, options)
        or examine_time_elements(tree, options)
    )


def url_date(url: str | None, today: str) -> str | None:
    """The date htmldate's ``find_date`` reads from a URL (the page's, or its canonical link)."""
    options = DateOptions(False, get_max_date(today), get_min_date(None), True, "%Y-%m-%d")
    return extract_url_date(url, options)


def justext_stoplist() -> Iterable[str] | None:
    """The word list trafilatura hands justext for pages in a language it has no list for."""
    stoplist: Iterable[str] | None = external.JT_STOPLIST
    return stoplist


def set_justext_stoplist(words: Iterable[str]) -> None:
    """Have trafilatura hand justext ``words`` instead of building its own tuple of them."""
    external.JT_STOPLIST = words  # type: ignore[assignment]  # typed as None
