"""The images an article's body shows: address, alt text, caption, credit and declared size.

The body is found in the page's own tree (not trafilatura's output, which drops images): the
elements holding the first and last kept lines of text, their nearest common ancestor, widened
to the ``<article>`` around it or, without one, to a lead figure just before it. Images in
site furniture (logos, icons, avatars, tracking pixels, related-link teasers) are left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from urllib.parse import urljoin, urlsplit

from lxml.etree import XPath, _Element

from archiver.extraction.furniture import ASIDE_TAGS, class_words, named_aside, path_words, wordset
from storage.rows import ImageRow

# Attributes a lazy-loading script copies into ``src``, most explicit first.
_LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset", "srcset")
# One srcset candidate: a URL (no spaces, perhaps commas) and what describes it, up to a comma.
_SRCSET_CANDIDATE = re.compile(r"\s*(\S+)([^,]*),?")
_PLACEHOLDER = re.compile(r"^data:|blank\.gif|spacer\.gif|placeholder|transparent\.(gif|png)", re.I)
# Class, id or file-name words of an image that is site furniture, never the story's picture.
_FURNITURE = wordset(
    "logo icon icons avatar avatars emoji smiley spinner sprite pixel tracking spacer "
    "badge gravatar favicon profile"
)
_CREDIT_WORDS = wordset(
    "credit credits copyright photographer attribution source byline photocredit"
)
# "Photo: Jane Doe", "Foto: dpa", "Photograph: X", "© X" at the end of a caption.
_LABEL = (
    r"(?:(?:photo(?:graph)?|foto|picture|image|bild|credit|crédit|crédito|source|quelle"
    r"|photo credit)s?\s*:|©)"
)
_CREDIT_LABEL = re.compile(
    rf"(?:^|(?<=[.!?])\s+|\s+[|/–—-]\s+){_LABEL}\s*(?P<credit>[^:]{{2,120}}?)\s*$", re.I
)
# "© X", "Bild © X", "(C) X", "Copyright X" anywhere near the end.
_CREDIT_COPYRIGHT = re.compile(
    r"\s*(?:(?:photo|foto|bild|image|picture)\s*)?(?:©|\(c\)|copyright\b)\s*"
    r"(?P<credit>[^©]{2,120}?)\s*$",
    re.I,
)
_LEADING_LABEL = re.compile(
    rf"^\s*(?:{_LABEL}|(?:(?:photo|foto|bild|image|picture)\s*)?(?:©|\(c\)|copyright\b))\s*",
    re.I,
)
# "(AP Photo/Julio Cortez)", "(Valley Post photo)", "(Foto: dpa)" at the end of a caption.
_CREDIT_PAREN = re.compile(
    r"\s*\((?P<credit>[^()]*\b(?:photo|foto|photograph|picture|image|bild)\b[^()]*)\)\s*$", re.I
)
# A declared dimension below this many pixels is an icon, a bullet or a tracking pixel.
_MIN_SIDE = 40
_PARAGRAPHS_HOLDING = XPath("descendant::p[contains(., $a) or contains(., $b)]")
_TEXT_HOLDING = XPath("descendant::text()[contains(., $s)]")
_LEAD_SIBLINGS = 3  # elements before the body looked at for a lead figure


def body_images(tree: _Element, url: str, kept: Sequence[str]) -> tuple[ImageRow, ...]:
    """The images of the article body whose kept lines of text are ``kept``, in page order."""
    scope = _body_scope(tree, kept)
    if scope is None:
        return ()
    found: dict[str, ImageRow] = {}
    for element in _candidates(scope):
        image = _image(element, url, scope)
        if image is not None and image.src not in found:
            found[image.src] = image
    return tuple(found.values())


def _body_scope(tree: _Element, kept: Sequence[str]) -> list[_Element] | None:
    """The elements whose images are the body's: the body's region and a lead figure's."""
    lines = [line for line in kept if len(line.split()) >= 4] or list(kept)
    if not lines:
        return None
    body = tree.find("body")
    if body is None:
        return None
    first, last = _holders(body, lines[0], lines[-1])
    if first is None or last is None:
        return None
    # The elements themselves, not their ids: a proxy lxml drops may leave its id to another.
    ancestors = {last, *last.iterancestors()}
    region = next(
        (e for e in (first, *first.iterancestors()) if e in ancestors and e.tag != "p"), None
    )
    if region is None or region.tag in ("html", "body"):
        return [region] if region is not None else None
    for element in (region, *region.iterancestors()):
        if element.tag == "article":
            return [element]
        if element.tag in ("main", "body"):
            break
    leads = list(region.itersiblings(preceding=True))[:_LEAD_SIBLINGS]
    before: list[_Element] = []
    for sibling in leads:
        if sibling.tag in ("h1", "header", "nav"):
            break
        before.insert(0, sibling)
    return [*before, region]


def _holders(tree: _Element, first: str, last: str) -> tuple[_Element | None, _Element | None]:
    """The elements holding the lines ``first`` and ``last``: paragraphs looked through first
    (one pass for both), then every text node for a line no paragraph holds."""
    needles = [_needle(first), _needle(last)]
    found: list[_Element | None] = [None, None]
    for paragraph in _PARAGRAPHS_HOLDING(tree, a=needles[0][0], b=needles[1][0]):
        text = " ".join("".join(paragraph.itertext()).split())
        for i, (_, snippet) in enumerate(needles):
            if found[i] is None and snippet in text:
                found[i] = paragraph
    for i, (needle, snippet) in enumerate(needles):
        if found[i] is None:
            found[i] = _text_holder(tree, needle, snippet)
    return found[0], found[1]


def _needle(line: str) -> tuple[str, str]:
    """The longest of the line's first words, to search for, and those words, to check."""
    words = line.split()[:5]
    return max(words, key=len), " ".join(words)


def _text_holder(tree: _Element, needle: str, snippet: str) -> _Element | None:
    """The element whose own text (or a child's tail) holds ``snippet``."""
    for text in _TEXT_HOLDING(tree, s=needle):
        if snippet in " ".join(text.split()):
            parent: _Element | None = text.getparent()
            return parent.getparent() if parent is not None and text.is_tail else parent
    return None


def _candidates(scope: list[_Element]) -> Iterator[_Element]:
    """The image elements of ``scope``, without the ``<noscript>`` copies of lazy images."""
    for root in scope:
        if isinstance(root.tag, str):
            for element in root.iter("img", "amp-img"):
                if not _noscript_copy(element):
                    yield element


def _noscript_copy(element: _Element) -> bool:
    """An image in ``<noscript>`` beside the lazy-loading image it stands in for."""
    for ancestor in element.iterancestors():
        if ancestor.tag == "noscript":
            parent = ancestor.getparent()
            return parent is not None and any(
                not _in_noscript(other, parent) for other in parent.iter("img", "amp-img")
            )
    return False


def _image(element: _Element, page: str, scope: list[_Element]) -> ImageRow | None:
    """The image ``element`` shows, or None when it is furniture or shows nothing."""
    src = _source(element, page)
    if src is None or _is_furniture(element, src):
        return None
    width, height = _size(element.get("width")), _size(element.get("height"))
    if (width is not None and width < _MIN_SIDE) or (height is not None and height < _MIN_SIDE):
        return None
    if "display:none" in (element.get("style") or "").replace(" ", "").lower():
        return None
    if _in_aside(element, scope):
        return None
    caption, credit = _caption_and_credit(element, scope)
    return ImageRow(src, _clean(element.get("alt")), caption, credit, width, height)


def _source(element: _Element, page: str) -> str | None:
    """The image's address: what lazy loading would set, else the best srcset candidate,
    else ``src``; resolved against the page; None for an inline or non-web address."""
    candidates = [element.get(name) for name in _LAZY_SRC]
    candidates += [_best_of_srcset(element.get(name)) for name in _LAZY_SRCSET]
    candidates.append(element.get("src"))
    parent = element.getparent()
    if parent is not None and parent.tag == "picture":
        candidates += [_best_of_srcset(s.get("srcset")) for s in parent.iter("source")]
    for value in candidates:
        value = (value or "").strip()
        if value and not _PLACEHOLDER.search(value):
            try:
                resolved = urljoin(page, value)
            except ValueError:
                return None
            return resolved if urlsplit(resolved).scheme in ("http", "https") else None
    return None


def _best_of_srcset(srcset: str | None) -> str | None:
    """The widest (or densest) candidate of a ``srcset``; its URLs may hold commas."""
    best: tuple[float, str] | None = None
    for match in _SRCSET_CANDIDATE.finditer(srcset or ""):
        url, descriptor = match.group(1).rstrip(","), match.group(2).strip()
        try:
            size = float(descriptor[:-1]) if descriptor[-1:] in ("w", "x") else 1.0
        except ValueError:
            size = 1.0
        if url and (best is None or size > best[0]):
            best = (size, url)
    return best[1] if best else None


def _is_furniture(element: _Element, src: str) -> bool:
    """A logo, icon, avatar or pixel, by the image's class and id or its address's path."""
    path = urlsplit(src).path.lower().rsplit(".", 1)[0]
    return not _FURNITURE.isdisjoint(class_words(element) | path_words(path))


def _in_aside(element: _Element, scope: list[_Element]) -> bool:
    """Whether the image sits in a teaser, author box, navigation or other non-story block."""
    for ancestor in element.iterancestors():
        if any(ancestor is root for root in scope):
            return False
        if ancestor.tag in ASIDE_TAGS and not _is_article_header(ancestor):
            return True
        if ancestor.tag == "a" and _is_page_link(ancestor.get("href")):
            return True
        if named_aside(class_words(ancestor)):
            return True
    return False


def _is_article_header(element: _Element) -> bool:
    """A ``<header>`` inside the article (headline, lead image), not the site's."""
    return element.tag == "header" and any(a.tag == "article" for a in element.iterancestors())


def _is_page_link(href: str | None) -> bool:
    """A link to another page (a teaser), not to a larger copy of the image."""
    if not href or href.startswith("#"):
        return False
    path = urlsplit(href.strip()).path.lower()
    return not path.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg"))


def _caption_and_credit(element: _Element, scope: list[_Element]) -> tuple[str | None, str | None]:
    """The caption and credit of the image: its ``figcaption`` or known caption markup, with
    the credit taken from credit markup or split off the caption's text."""
    holder = _caption_holder(element, scope)
    container = holder if holder is not None else _figure_of(element, scope)
    credits = _credit_elements(container, holder) if container is not None else []
    credit = _clean(_LEADING_LABEL.sub("", " ".join(_text(e) for e in credits)))
    caption = _clean(_text(holder, skip=credits)) if holder is not None else None
    if caption and credit is None:
        caption, credit = _split_credit(caption)
    return caption, credit


def _credit_elements(container: _Element, holder: _Element | None) -> list[_Element]:
    """The outermost elements of ``container`` marked as a credit (``<small>`` and ``<cite>``
    count inside a caption)."""
    found: list[_Element] = []
    for element in container.iter():
        if element is container or not isinstance(element.tag, str):
            continue
        if any(f in element.iterancestors() for f in found):
            continue
        marked = not _CREDIT_WORDS.isdisjoint(class_words(element))
        if marked or (
            holder is not None and element.tag in ("small", "cite") and element is not holder
        ):
            found.append(element)
    return found


def _figure_of(element: _Element, scope: list[_Element]) -> _Element | None:
    for ancestor in element.iterancestors():
        if any(ancestor is root for root in scope):
            return None
        if ancestor.tag == "figure":
            return ancestor
    return None


def _caption_holder(element: _Element, scope: list[_Element]) -> _Element | None:
    """The element holding the image's caption, looked for up to three levels around it."""
    figure = _figure_of(element, scope)
    if figure is not None:
        found = figure.find(".//figcaption")
        if found is not None:
            return found
    level: _Element | None = element
    for _ in range(3):
        level = level.getparent() if level is not None else None
        if level is None or any(level is root for root in scope):
            return None
        if sum(1 for img in level.iter("img") if not _in_noscript(img, level)) > 1:
            return None  # a gallery or a list: a caption here is not this image's alone
        for candidate in level.iter():
            if candidate is not element and any("caption" in w for w in class_words(candidate)):
                return candidate
    return None


def _in_noscript(element: _Element, stop: _Element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag == "noscript":
            return True
    return False


def _split_credit(caption: str) -> tuple[str | None, str | None]:
    """A caption's text without the credit it ends with, and that credit."""
    for pattern in (_CREDIT_PAREN, _CREDIT_LABEL, _CREDIT_COPYRIGHT):
        match = pattern.search(caption)
        if match:
            return _clean(caption[: match.start()]), _clean(match.group("credit"))
    return caption, None


def _text(element: _Element, skip: Sequence[_Element] = ()) -> str:
    """The text of ``element``, without the text inside the elements of ``skip``."""
    if not skip:
        return "".join(element.itertext())
    parts: list[str] = [element.text or ""]
    for child in element:
        if not any(child is s for s in skip):
            parts.append(_text(child, skip) if isinstance(child.tag, str) else "")
        parts.append(child.tail or "")
    return "".join(parts)


def _size(value: str | None) -> int | None:
    """A declared pixel size (``640``, ``640px``); None for a percentage or nothing."""
    match = re.fullmatch(r"\s*(\d{1,5})(?:\.\d+)?\s*(?:px)?\s*", value or "")
    return int(match.group(1)) if match else None


def _clean(value: str | None) -> str | None:
    """Whitespace collapsed, NFC; None when nothing is left."""
    if not value:
        return None
    text = unicodedata.normalize("NFC", " ".join(value.split())).strip(" -–—|/")
    return text or None
