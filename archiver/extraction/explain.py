"""Why each block of a page was kept or dropped: what ``archiver extract --explain`` prints.

The explanation is built from the very verdicts :func:`extract_article` gave (it runs it), plus
the evidence behind them: the in-page layer's pitch and bio scores against its thresholds, where
a dropped block stands (the run at the head or tail, or deep in the body), and the page's text
blocks trafilatura did not select at all, in page order. The site layer, which needs an archive,
is added by the caller (:func:`mark_site_blocks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from lxml.etree import _Element

from archiver.extraction import cleaning, teasers
from archiver.extraction.decoding import decode_html
from archiver.extraction.extract import Article, extract_article
from archiver.extraction.regions import (
    COMPLETE_SHARE,
    candidate_scores,
    declared_siblings,
    second_opinion,
    shipped_model,
    worth_widening,
)
from archiver.extraction.trafilatura_internals import load_html

# Elements whose text is one block of the page, as a reader sees it.
_PAGE_BLOCK_TAGS = frozenset(
    ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dd", "dt")
    + ("figcaption", "caption", "summary")
)
_SKIPPED = frozenset(("script", "style", "noscript", "template", "svg", "head", "title"))
_CHROME = ("nav", "header", "footer", "aside", "form", "menu")
_SPACES = re.compile(r"\s+")

KEPT = "kept"
DROPPED = "dropped"
LEFT_OUT = "not selected"


@dataclass(frozen=True, slots=True)
class BlockExplanation:
    """One block of the page, its verdict, and the evidence that decided it."""

    text: str
    tag: str
    verdict: str  # KEPT, DROPPED or LEFT_OUT
    index: int | None = None  # position among trafilatura's lines; None: not selected
    layer: str | None = None  # what removed it: "in-page", "site" or "trafilatura"
    reason: str | None = None  # the drop reason, as the reader shows it
    evidence: tuple[str, ...] = ()  # each opinion and score, one phrase each
    added: bool = False  # the region stage added it to trafilatura's lines

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly form."""
        return {
            "index": self.index,
            "tag": self.tag,
            "verdict": self.verdict,
            "layer": self.layer,
            "added": self.added,
            "reason": self.reason,
            "evidence": list(self.evidence),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    """A page's article and every block behind it, in page order."""

    article: Article
    blocks: tuple[BlockExplanation, ...] = field(default=())

    @property
    def text(self) -> str:
        """The article text the verdicts give (the site layer's included, when marked)."""
        return "\n".join(b.text for b in self.blocks if b.verdict == KEPT)


def explain_page(
    html: str | bytes,
    url: str,
    content_type: str | None = None,
    prune_xpath: tuple[str, ...] = (),
) -> Explanation | None:
    """Extract ``html`` as :func:`extract_article` does and say why each block went where it did.

    ``None`` when the page holds no article text, as with :func:`extract_article`.
    """
    markup = decode_html(html, content_type) if isinstance(html, bytes) else html
    article = extract_article(markup, url, prune_xpath=prune_xpath)
    if article is None:
        return None
    opinion = _Opinion.of(markup, article)
    selected = [_selected_block(article, i, opinion) for i in range(len(article.blocks))]
    page = _page_blocks_of(markup)
    title = _norm(article.title or "")
    return Explanation(article, tuple(_in_page_order(selected, page, title, opinion)))


@dataclass(frozen=True, slots=True)
class _Opinion:
    """The region stage's view of a page: the second extractor's text, the model's scores."""

    text: str  # the second extractor's lines, joined
    scores: dict[str, float]  # the model's score of each of its lines trafilatura lacks
    threshold: float | None  # None: no model shipped
    skipped: bool = False  # the page's text is too large a share of it for the stage to run
    siblings: dict[str, str] = field(default_factory=dict)  # line → the body's twin container

    @classmethod
    def of(cls, markup: str, article: Article) -> _Opinion:
        model = shipped_model()
        if model is None:
            return cls("", {}, None)
        other = second_opinion(markup)
        own = article.scores or (None,) * len(article.blocks)
        mine = [i for i, s in enumerate(own) if s is None]
        blocks = [article.blocks[i] for i in mine]
        if not worth_widening(len(markup), blocks):  # the stage did not run: no scores to show
            return cls("\n".join(other), {}, model.threshold, skipped=True)
        reasons = [article.reasons[i] for i in mine]
        siblings = declared_siblings(markup, other, blocks, reasons)
        return cls(
            "\n".join(other),
            candidate_scores(model, other, blocks),
            model.threshold,
            siblings={other[i]: name for i, name in siblings.items()},
        )

    def evidence(self, text: str) -> list[str]:
        """What the second extractor and the model say of a block of the page."""
        if self.threshold is None:
            return []
        if text not in self.text:
            return ["resiliparse: not selected"]
        found = [["resiliparse: selected"]]
        if self.skipped:
            share = f"{COMPLETE_SHARE:.0%} of the page or more"
            found.append([f"region stage skipped: trafilatura's text is {share}"])
        score = next((s for line, s in self.scores.items() if text in line), None)
        if score is not None:
            sign = "≥" if score >= self.threshold else "<"
            found.append([f"region model {score:.2f} {sign} {self.threshold}"])
        twin = next((name for line, name in self.siblings.items() if text in line), None)
        if twin is not None:
            found.append([f"in a twin of the body's container ({twin})"])
        return [phrase for part in found for phrase in part]


def mark_site_blocks(
    explanation: Explanation, pages_of: Callable[[Sequence[str]], dict[str, int]], min_pages: int
) -> Explanation:
    """Drop the kept blocks the site layer would strip: ``pages_of`` counts, per block text,
    the site's pages that carry it; a block on ``min_pages`` or more goes (0: layer off)."""
    kept = [b.text for b in explanation.blocks if b.verdict == KEPT]
    counts = pages_of(kept) if min_pages > 0 else {}
    marked = []
    for block in explanation.blocks:
        pages = counts.get(block.text, 0)
        if block.verdict == KEPT and pages >= min_pages > 0:
            seen = f"site layer: seen on {pages} of the site's pages (strips at {min_pages})"
            block = replace(
                block,
                verdict=DROPPED,
                layer="site",
                reason=f"site block seen on {pages} pages",
                evidence=(*block.evidence, seen),
            )
        marked.append(block)
    return replace(explanation, blocks=tuple(marked))


def _selected_block(article: Article, i: int, opinion: _Opinion) -> BlockExplanation:
    """A line of the article's: the in-page layer's verdict and its evidence."""
    block = article.blocks[i]
    pitch = cleaning.pitch_score(block.text)
    added = article.scores[i] if article.scores else None
    if added is None:
        evidence = ["trafilatura: selected", *opinion.evidence(block.text)]
    else:
        evidence = ["trafilatura: not selected", *opinion.evidence(block.text)]
        evidence[-1] += ": added"
    evidence.append(f"pitch score {pitch:.1f}")
    bio = cleaning.bio_score(block.text)
    if bio:
        evidence.append(f"bio score {bio:.1f}")
    reason = article.reasons[i] if i < len(article.reasons) else None
    if reason is None:
        return BlockExplanation(
            block.text, block.tag, KEPT, i, added=added is not None, evidence=tuple(evidence)
        )
    evidence.append("in-page layer: " + _rule(article, i, pitch, bio))
    return BlockExplanation(
        block.text, block.tag, DROPPED, i, "in-page", reason, tuple(evidence), added is not None
    )


def _rule(article: Article, i: int, pitch: float, bio: float) -> str:
    """Which of the in-page layer's rules the evidence points to for dropped block ``i``."""
    reasons = article.reasons
    head = all(r is not None for r in reasons[: i + 1])
    tail = all(r is not None for r in reasons[i:])
    where = "head" if head else "tail" if tail else None
    if reasons[i] == teasers.REASON:
        return f"a link to another page of the site, {teasers.MIN_CHARS} characters or more"
    if pitch >= cleaning.BODY_THRESHOLD:
        return f"pitch score ≥ {cleaning.BODY_THRESHOLD} drops a block anywhere"
    if reasons[i] == cleaning.RELATED and i and reasons[i - 1] == cleaning.RELATED:
        return "an item under a stand-alone 'related' label"
    if reasons[i] == cleaning.BIO and tail:
        return f"bio score {bio:.1f} ≥ {cleaning.EDGE_THRESHOLD} in the run at the tail"
    if where and pitch >= cleaning.EDGE_THRESHOLD:
        return f"pitch score ≥ {cleaning.EDGE_THRESHOLD} in the run of pitches at the {where}"
    if pitch >= cleaning.NEIGHBOUR_THRESHOLD:
        return f"pitch score ≥ {cleaning.NEIGHBOUR_THRESHOLD} next to a dropped pitch"
    if len(article.blocks[i].text) <= cleaning.SATELLITE_CHARS:
        return "a short line inside a run of dropped blocks takes the run's reason"
    return "part of a run of dropped blocks"


def _page_blocks_of(markup: str) -> list[tuple[str, str, str | None]]:
    """The page's text blocks in page order: normalised text, tag, the page chrome it is in."""
    tree = load_html(markup)
    if tree is None:
        return []
    found = []
    for element, chrome in _walk(tree, None):
        text = _norm(" ".join(element.itertext()))
        if text:
            found.append((text, str(element.tag), chrome))
    return found


def _walk(element: _Element, chrome: str | None) -> Iterator[tuple[_Element, str | None]]:
    """Block elements in page order (outermost only), with the page chrome they sit in."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag in _SKIPPED:
            continue
        inside = chrome or (child.tag if child.tag in _CHROME else None)
        if child.tag in _PAGE_BLOCK_TAGS:
            yield child, inside
        elif len(child) == 0 and (child.text or "").strip():
            yield child, inside  # a leaf holding text (a <div> or <span> written as a paragraph)
        else:
            yield from _walk(child, inside)


def _in_page_order(
    selected: list[BlockExplanation],
    page: list[tuple[str, str, str | None]],
    title: str,
    opinion: _Opinion,
) -> Iterator[BlockExplanation]:
    """trafilatura's lines, with the page's blocks it did not select placed where they stand.

    The page's blocks are walked in order; one that is part of trafilatura's text moves the walk
    through its lines up to the line that holds it, one that is not is shown as not selected.
    """
    lines = [_norm(b.text) for b in selected]
    everything = " ".join(lines)
    shown = 0
    for text, tag, chrome in page:
        if text not in everything:
            evidence = ["trafilatura: not selected", *opinion.evidence(text)]
            evidence += [f"inside <{chrome}>"] if chrome else []
            if text == title:
                evidence.append("the headline: stored as the title")
            yield BlockExplanation(
                text,
                tag,
                LEFT_OUT,
                None,
                "trafilatura",
                "outside the region trafilatura chose",
                tuple(evidence),
            )
            continue
        match = next((j for j in range(shown, len(lines)) if _same(text, lines[j])), None)
        if match is not None:
            yield from selected[shown : match + 1]
            shown = match + 1
    yield from selected[shown:]


def _same(page_text: str, line: str) -> bool:
    """Whether a page block and a line of trafilatura's text are (part of) the same text."""
    if len(page_text) < 20 or len(line) < 20:
        return page_text == line
    return page_text in line or line in page_text


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
