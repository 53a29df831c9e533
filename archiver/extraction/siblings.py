"""What the page's markup declares: a body split into several containers of one class.

Publishers break one story into containers of the same tag and class (``<div
class="article-body">`` on either side of an advertisement, a video or a newsletter box), and
trafilatura takes one of them. This opinion reads the page's own markup. The body's container
is one that holds two or more of trafilatura's long lines and has a class naming no teaser,
author box or advertisement. A prose line of the second extractor's that trafilatura left out
joins the article when it stands in a *twin*: a container of the same tag and class, near the
body's in the tree (a shared ancestor at most :data:`NEAR` levels up), not inside navigation,
an aside, a header, a footer or a list item, with no linked headline in its own branch of the
page (a teaser of another page, or a listing's next post under its title) and not in an
``<article>`` of its own (a listing's next post). The page is parsed again only when the
prose left out is :data:`MISSING_SHARE` of the text kept or more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from lxml.etree import XPath, _Element

from archiver.extraction.furniture import class_words, named_aside
from archiver.extraction.trafilatura_internals import load_html

CONTAINERS = frozenset({"div", "section", "article", "main"})
HELD_LINE = 80  # trafilatura's lines this long locate the body's container
PROSE_LINE = 100  # candidate lines this long, ending a sentence, can join
SENTENCE_END = (".", "!", "?", '"', "”", "“", "»", "«")
# Only when the prose left out is this share of the text kept: a split body loses much more,
# and most pages then need no second parse.
MISSING_SHARE = 0.2
KEY = 20  # characters of a text's start that locate it in the markup
_TEXTS = XPath(
    "//body//text()[string-length(normalize-space()) >= 6][not(parent::script or parent::style)]"
)
NEAR = 4  # a sibling container shares an ancestor with the body within this many levels
_MARKS = "-|•* "  # what trafilatura puts before list items and table cells
_HEADINGS = ("h1", "h2", "h3", "h4")
_OUTSIDE = frozenset({"nav", "aside", "footer", "header", "li"})  # not forms: some pages are one


def sibling_lines(
    markup: str, held: Sequence[str], candidates: Mapping[int, str]
) -> dict[int, str]:
    """The candidates (index → normalised line) that stand in a sibling of the body's container,
    each with that container's name (``div.article-body``). ``held``: trafilatura's kept lines."""
    prose = {
        i: line
        for i, line in candidates.items()
        if len(line) >= PROSE_LINE and line.endswith(SENTENCE_END)
    }
    long_held = [line for line in held if len(line) >= HELD_LINE]
    missing = sum(map(len, prose.values()))
    if len(long_held) < 2 or missing < MISSING_SHARE * sum(map(len, held)):
        return {}
    tree = load_html(markup)
    if tree is None:
        return {}
    owners = _text_owners(tree)
    counts = Counter(_container(owners.get(_key(line))) for line in long_held)
    bodies = [box for box, n in counts.items() if box is not None and n >= 2 and _named(box)]
    if not bodies:
        return {}
    found = {}
    for i, line in prose.items():
        box = _container(owners.get(_key(line)))
        if box is None or box in bodies or _outside(box):
            continue
        twins = [body for body in bodies if _name(body) == _name(box)]
        if any(_twin(box, body) for body in twins):
            found[i] = _name(box)
    return found


def _text_owners(tree: _Element) -> dict[str, _Element]:
    """The element each text of the page's body stands in, by the text's first :data:`KEY`
    characters (an element's own text, or the text after one of its children)."""
    owners: dict[str, _Element] = {}
    for text in _TEXTS(tree):
        element = text.getparent() if text.is_text else text.getparent().getparent()
        if element is not None:
            owners.setdefault(" ".join(text.split())[:KEY], element)
    return owners


def _key(line: str) -> str:
    return line.lstrip(_MARKS)[:KEY]


def _container(element: _Element | None) -> _Element | None:
    while element is not None and element.tag not in CONTAINERS:
        element = element.getparent()
    return element


def _name(element: _Element) -> str:
    return f"{element.tag}.{'.'.join((element.get('class') or '').split())}"


def _named(element: _Element) -> bool:
    """A container with a class that does not name a teaser, an author box or an ad."""
    return bool((element.get("class") or "").strip()) and not named_aside(class_words(element))


def _outside(element: _Element) -> bool:
    """Inside navigation, an aside, a header, a footer or a list item."""
    return any(a.tag in _OUTSIDE for a in element.iterancestors())


def _twin(box: _Element, body: _Element) -> bool:
    """``box`` holds more of ``body``'s story: near it, and neither a teaser nor another post."""
    return _near(box, body) and not _listing(box, body) and not _other_story(box, body)


def _listing(box: _Element, body: _Element) -> bool:
    """A linked headline in ``box``'s own branch (below the ancestor it shares with ``body``):
    a teaser of another page, or a listing's next post under its title, not more of this one."""
    theirs = {body, *body.iterancestors()}
    top = box
    for ancestor in box.iterancestors():
        if ancestor in theirs:
            break
        top = ancestor
    return any(h.find(".//a[@href]") is not None for h in top.iter(*_HEADINGS))


def _other_story(box: _Element, body: _Element) -> bool:
    """Each in its own ``<article>``: the posts of a listing, not one story's parts."""
    theirs, ours = _story(box), _story(body)
    return theirs is not None and ours is not None and theirs is not ours


def _story(element: _Element) -> _Element | None:
    return (
        next((a for a in element.iterancestors("article")), None)
        if element.tag != "article"
        else element
    )


def _near(box: _Element, body: _Element) -> bool:
    ours = list(body.iterancestors())[:NEAR]
    return any(a in ours for a in list(box.iterancestors())[:NEAR])
