"""Whether an article is free to read, behind a paywall or metered: what the page declares.

Read before trafilatura takes the tree, from three kinds of declaration, strongest first:

- ``<meta property="article:content_tier">``: ``free``, ``metered`` or ``locked``;
- JSON-LD ``isAccessibleForFree`` (``true``/``false``, also as strings such as ``"False"``),
  on the article or on a part of it (``hasPart`` with a ``cssSelector`` naming the part
  behind the paywall): any ``false`` makes the article paywalled, else a ``true`` free;
- paywall markup: a ``data-paywall`` attribute, or a ``class``/``id`` token of a paywall
  (``paywall``, ``subscriber-only``, ...) or of a meter (``meteredContent``, Piano's
  ``tp-container``).

The text's own evidence, a body that stops at a subscribe prompt, is cleaning's
("paywall prompt" in :mod:`archiver.extraction.cleaning`); :func:`article_access` weighs both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from lxml.etree import XPath
from lxml.html import HtmlElement

FREE, PAYWALLED, METERED = "free", "paywalled", "metered"
ACCESS_VALUES = (FREE, PAYWALLED, METERED)

_CONTENT_TIER = {"free": FREE, "metered": METERED, "locked": PAYWALLED}
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
# The class and id values of the body's elements, read by lxml in one walk: a Python loop over
# the elements took ten times as long, a regex over the markup even longer.
_NAMES = XPath("//body//@class | //body//@id", smart_strings=False)
_DATA_PAYWALL = XPath("boolean(//body//@data-paywall)")
# The words of paywall and meter tokens; the token each stands in is then looked at whole.
_NAME_WORD = re.compile(r"paywall|metered|tp-container|tp-modal|[-_](?:only|content)")
# Class and id tokens (lower case) of the box a paywall or a meter puts over the text.
_PAYWALL_TOKEN = re.compile(
    r"(?:^|[-_])paywall(?:ed)?(?:$|[-_])|^(?:subscribers?|premium|paid)[-_]only$"
    r"|^(?:locked|premium|paid)[-_]content$"
)
# A token that says there is no paywall, or hides one ("no-paywall", "hide-paywall-1"), or
# names the script or style sheet of a paywall plugin (WordPress: "leaky_paywall_script-js").
_NOT_PAYWALL = re.compile(
    r"(?:^|[-_])(?:no|non|not|without|hide|hidden)[-_]?paywall|paywall[-_]off|-(?:js|css)(?:-|$)"
)
_METERED_TOKEN = re.compile(r"^metered(?:[-_]?content|[-_]paywall)?$|^tp-(?:container|modal)$")
_JSON_DEPTH = 6


def declared_access(tree: HtmlElement, markup: str, scripts: list[HtmlElement]) -> str | None:
    """``free``, ``paywalled`` or ``metered`` as the page declares it; None when it does not.

    ``markup`` is the text ``tree`` was parsed from; ``scripts`` its JSON-LD scripts.
    """
    return _content_tier(tree, markup) or _json_ld_access(scripts) or _markup_access(tree, markup)


def article_access(declared: str | None, stops_at_prompt: bool) -> str | None:
    """The article's ``articles.access``: what the page declares, weighed with its text.

    A declared meter stays metered whatever the text shows (its prompt is the meter's); a body
    that stops at a subscribe prompt is paywalled even where the page calls itself free, for
    the text archived is cut short all the same.
    """
    if declared == METERED:
        return METERED
    if stops_at_prompt:
        return PAYWALLED
    return declared


def _content_tier(tree: HtmlElement, markup: str) -> str | None:
    """The ``article:content_tier`` meta tag's access."""
    if "content_tier" not in markup:
        return None
    for meta in tree.iter("meta"):
        name = meta.get("property") or meta.get("name") or ""
        if name.strip().lower() == "article:content_tier":
            tier = _CONTENT_TIER.get((meta.get("content") or "").strip().lower())
            if tier:
                return tier
    return None


def _json_ld_access(scripts: list[HtmlElement]) -> str | None:
    """``paywalled`` when any JSON-LD object says it is not free, ``free`` when one says it is."""
    found: set[bool] = set()
    for script in scripts:
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        if "isAccessibleForFree" not in (script.text or ""):
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        found.update(_free_flags(data, 0))
    if False in found:
        return PAYWALLED
    return FREE if True in found else None


def _free_flags(data: object, depth: int) -> Iterator[bool]:
    """Every ``isAccessibleForFree`` value in a JSON-LD document, as booleans."""
    if depth > _JSON_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _free_flags(item, depth + 1)
    elif isinstance(data, dict):
        flag = _boolean(data.get("isAccessibleForFree"))
        if flag is not None:
            yield flag
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _free_flags(value, depth + 1)


def _boolean(value: object) -> bool | None:
    """A JSON-LD boolean: ``true``, ``"True"``, ``"false"``, ``"no"``…; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower().rpartition("/")[2]  # "https://schema.org/False"
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def _markup_access(tree: HtmlElement, markup: str) -> str | None:
    """``paywalled`` or ``metered`` from the body's paywall markup, if it has any: a
    ``data-paywall`` attribute, or a paywall or meter token in a ``class`` or ``id`` value."""
    if "data-paywall" in markup and _DATA_PAYWALL(tree):
        return PAYWALLED
    names = " ".join(" ".join(str(value) for value in _NAMES(tree)).lower().split())
    metered = False
    for match in _NAME_WORD.finditer(names):
        token = _token_at(names, *match.span())
        if _NOT_PAYWALL.search(token):
            continue
        if _PAYWALL_TOKEN.search(token):
            return PAYWALLED
        metered = metered or _METERED_TOKEN.search(token) is not None
    return METERED if metered else None


def _token_at(names: str, start: int, end: int) -> str:
    """The whole token of ``names`` (tokens apart by single spaces) that ``start``:``end`` is in."""
    after = names.find(" ", end)
    return names[names.rfind(" ", 0, start) + 1 : after if after != -1 else len(names)]
