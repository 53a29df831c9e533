"""Every use of trafilatura's internals (and justext's), in one place, and why each is needed.

trafilatura's public ``bare_extraction`` copies the tree it is given, runs its metadata pass
(about 10 ms a page, more than the rest together) and builds a justext stoplist of 154k words in
every worker. We call the steps behind it directly: ``trafilatura_body`` runs its extraction
sequence on our own parsed tree (skipping readability and a measure of the page's text where
they cannot change the result), ``metadata`` reads only what a page declares with its helpers,
and the worker hands justext a lighter stoplist. These names are not trafilatura's public API,
so pyproject.toml pins trafilatura to 2.3.x, and tests/test_extraction_equivalence.py and
tests/test_metadata.py hold our results to ``bare_extraction`` / ``extract_metadata``: a release
that changes what happens around these steps fails there first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from copy import copy

from htmldate.core import examine_abbr_elements, examine_header, examine_time_elements
from htmldate.extractors import extract_url_date, json_search
from htmldate.utils import Extractor as DateOptions
from htmldate.validators import get_max_date, get_min_date
from justext.utils import get_stoplist, get_stoplists
from lxml.etree import XPath, _Element, strip_tags
from lxml.html import HtmlElement
from trafilatura import external
from trafilatura.baseline import baseline, html2txt
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
    _prepare_tree,
    _recall_retry,
)
from trafilatura.external import compare_extraction, justext_rescue
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_json
from trafilatura.main_extractor import extract_content
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
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

log = logging.getLogger(__name__)

_ELEMENTS = XPath("count(//*)")
# compare_extraction's test of a body it may replace: no paragraph text, or more tables than <p>
_STRUCTURALLY_DEFICIENT = XPath("not(.//p//text()) or count(.//table) > count(.//p)")
_RAW_TEXT = XPath("boolean(//xmp | //plaintext | //noembed | //noframes)")
_IFRAMES = XPath("count(//iframe)")

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
    body, text = _sequence(tree, options, url)
    if options.max_tree_size and len(body) > options.max_tree_size:
        strip_tags(body, "hi")
        if len(body) > options.max_tree_size:
            return None
    if len(text) < options.min_output_size and options.min_output_comm_size > 0:  # no comments
        return None
    return body


def _sequence(tree: HtmlElement, options: Extractor, url: str) -> tuple[_Element, str]:
    """trafilatura's ``trafilatura_sequence`` with comments off and balanced focus (what
    ``trafilatura_body`` asks for), returning the body and its text.

    Two departures, neither of which can change the result: readability runs only on pages
    where its text could win the comparison (:func:`_readability_may_win`), and the page's text
    is measured for stage 4 only when a cheap bound cannot decide (:func:`_covers_little`).
    """
    is_forum = _forum_thread_page(tree)
    tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    if not is_forum:
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    cleaned, backup = _prepare_tree(tree, options, url)
    body, text = extract_content(cleaned, options)
    page_chars = len(tree.text_content())  # tree is left as it is until stage 4: read once
    may_win = _readability_may_win(tree, page_chars, body, text)
    readability_input = copy(tree) if may_win else HtmlElement()
    body, text = compare_extraction(backup, readability_input, body, text, options)
    if len(text) < options.min_extracted_size:  # stage 3: the baseline, if it adds text
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(text):
            body, text = b_body, b_text
    if 0 < len(text) < ESCALATION_MAX_LENGTH and _covers_little(tree, page_chars, text):
        body, text = _escalated(tree, options, url, body, text)
    return body, text


def _covers_little(tree: HtmlElement, page_chars: int, text: str) -> bool:
    """trafilatura's test for stage 4: ``text`` is under a fifth of the page's text.

    The page's text (``html2txt``, 4 ms) is measured only when a bound on it (its characters
    before cleaning, ``page_chars``, plus the two spaces it may add around each element) leaves
    the answer open.
    """
    bound = page_chars + 2 * int(_ELEMENTS(tree))
    if len(text) >= ESCALATION_PAGE_SHARE * bound:
        return False
    return len(text) < ESCALATION_PAGE_SHARE * len(html2txt(tree))


def _readability_may_win(tree: HtmlElement, page_chars: int, body: _Element, text: str) -> bool:
    """Whether readability's text could replace ``text`` in ``compare_extraction``
    (``page_chars``: the characters of ``tree``'s text).

    With some text of its own and a body of paragraphs rather than tables, trafilatura takes
    readability's text only when it is over twice as long. readability's text is drawn from
    the page's, with two ways to grow: each video ``<iframe>`` it keeps gets the text "VIDEO",
    and in raw-text elements (``<xmp>``, ``<plaintext>``…) its round trip through XML turns
    ``&`` into ``&amp;``. So a page without raw-text elements whose characters, plus five per
    iframe, are at most twice ``text``'s cannot give it. That saves readability's 3 ms on about
    a page in four (a check of 0.05 ms); where it is skipped, it is handed an empty page, whose
    empty text ``compare_extraction`` never takes.
    """
    if not text or _STRUCTURALLY_DEFICIENT(body) or _RAW_TEXT(tree):
        return True
    return page_chars + 5 * int(_IFRAMES(tree)) > 2 * len(text)


def _escalated(
    tree: HtmlElement, options: Extractor, url: str, body: _Element, text: str
) -> tuple[_Element, str]:
    """trafilatura's stage 4: a short extraction retried in recall mode, and with justext."""
    r_options = copy(options)
    r_options.focus = "recall"
    r_body, r_text = body, ""
    try:
        r_body, r_text = _recall_retry(tree, r_options, url)
    except Exception as error:  # as trafilatura: a failed retry leaves the extraction as it was
        log.warning("recall retry failed for %s: %s", url, error)
    j_body, j_text = body, ""
    try:
        j_body, j_text = justext_rescue(copy(tree), options)
    except Exception as error:
        log.warning("justext candidate failed for %s: %s", url, error)
    if len(j_text) > len(r_text) and len(j_text) > ESCALATION_JUSTEXT_RATIO * len(text):
        return j_body, j_text
    if len(r_text) >= options.min_extracted_size and len(r_text) > ESCALATION_ACCEPT_RATIO * len(
        text
    ):
        return r_body, r_text
    return body, text


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
