"""The class and id words that mark a page's furniture: teasers, author boxes, navigation, ads.

Shared by the image reader (an image in such a container is not the story's) and the sibling
container opinion (a container so named is not the story's body).
"""

from __future__ import annotations

import re

from lxml.etree import _Element

_WORDS = re.compile(r"[a-z0-9]+")


def wordset(text: str) -> frozenset[str]:
    """The words of ``text``, as a set."""
    return frozenset(text.split())


# Class or id words of a container that is not the story: teasers, author boxes, navigation.
ASIDE_WORDS = wordset(
    "related teaser teasers recommended recommendations more promo promos sponsored "
    "outbrain taboola newsletter share sharing social sidebar comments comment author "
    "authors bio byline avatar profile ad ads advert advertisement widget nav menu footer"
)
ASIDE_PREFIXES = ("related", "teaser", "recommend", "promo", "sponsor", "newsletter", "social")
ASIDE_TAGS = frozenset({"nav", "footer", "aside", "form", "button", "header"})


def class_words(element: _Element) -> set[str]:
    """The lower-case words of an element's class and id."""
    value = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return set(_WORDS.findall(value)) if value.strip() else set()


def named_aside(words: set[str]) -> bool:
    """Whether class and id words (:func:`class_words`) name a teaser, author box, ad or menu."""
    return not ASIDE_WORDS.isdisjoint(words) or any(w.startswith(ASIDE_PREFIXES) for w in words)


def path_words(path: str) -> set[str]:
    """The lower-case words of an address's path (a file name's, say)."""
    return set(_WORDS.findall(path))
