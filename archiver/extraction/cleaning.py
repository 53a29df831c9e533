"""In-page boilerplate layer: drop blocks that are calls to action or navigation, not reporting.

trafilatura keeps what sits inside the article container, and publishers put their appeals there
too: donation and subscription pitches, newsletter sign-ups, "read more" and related-link lists,
share and follow prompts, author bios, copyright and credit lines, cookie notices, app prompts.

Each block gets a score from vocabulary, from labels opening the block, and from shape: short,
second person, exclamation marks, money with a period; third-person reporting and length count
against it. A run of such blocks at the head or tail of the text goes together; a block deep in
the body goes only on strong evidence. Nothing here knows any site.

The words and phrases are data, one file per language in ``vocabulary/`` (see
docs/vocabulary.md), compiled once into a :class:`~archiver.extraction.lexicon.Lexicon`. A
vocabulary's regex runs only on blocks holding the most telling word of one of its phrases
(:mod:`archiver.extraction.gates`), so the layer costs a few percent of trafilatura's own time.
``Block.tag`` (the output element a line starts in) keeps a heading that opens the next section
out of a "related" list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from archiver.extraction.gates import word_prefixes
from archiver.extraction.lexicon import Lexicon, load_lexicon


@dataclass(frozen=True, slots=True)
class Block:
    """One line of trafilatura's text output, with the output element it starts in.

    ``tag`` is one of trafilatura's output tags: ``p``, ``head``, ``item``, ``quote``, ``cell``
    or ``code``.
    """

    text: str
    tag: str = "p"

    def to_list(self) -> list[str]:
        """A JSON-friendly form."""
        return [self.text, self.tag]

    @classmethod
    def from_list(cls, value: Sequence[str]) -> Block:
        """Inverse of :meth:`to_list`; also reads the older one-item form."""
        return cls(value[0], value[1] if len(value) > 1 else "p")


# --- Scoring ---------------------------------------------------------------------------------

# Scores at which a block is removed: deep in the body, and inside a run at the head or tail.
BODY_THRESHOLD = 3.5
EDGE_THRESHOLD = 2.0
# ... and next to a dropped pitch, as part of its run.
NEIGHBOUR_THRESHOLD = 1.5
# Labels and credits are at most this long; longer blocks also lose score for their length.
LABEL_CHARS = 200
# A block this short is a button, a label or a link, not a sentence.
SHORT_CHARS = 80
# Longer blocks are taken from a run at the head or tail only on body evidence.
EDGE_CHARS = 2 * LABEL_CHARS
# Short blocks ride along with a run of pitches ("Remind me later."), a few at a time.
SATELLITE_CHARS = 40
SATELLITES = 3
# A "related" list: how many items follow its label, and how long a headline may be.
RELATED_ITEMS = 8
HEADLINE_CHARS = 160

_EXCLAIM = re.compile(r"!\s*$|!\s")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")


def pitch_score(text: str, lexicon: Lexicon | None = None) -> float:
    """How much a block reads like a call to action or navigation rather than reporting.

    ``lexicon`` defaults to the package's vocabulary files.
    """
    lx = lexicon if lexicon is not None else load_lexicon()
    lowered = text.lower()
    score = _label_score(text, lowered, lx)
    appeal, networks = 0, False
    keys = lx.candidate_keys(lowered)
    if keys:  # else no vocabulary can hit
        appeal = lx.appeal.hits(lowered, keys)
        score += lx.appeal.weight * appeal
        for vocabulary in lx.other_pitches:
            score += vocabulary.weight * vocabulary.hits(lowered, keys)
        # A count, so the candidates are not enough: only exact prefixes say two networks.
        networks = len(lx.networks & keys) >= 2 and len(lx.networks & word_prefixes(lowered)) >= 2
    if lx.imperative.match(text):
        score += 2.0 if score else 1.0
    if networks:
        score += 1.5
    if score == 0.0:
        return 0.0
    return score + _shape_score(text, lx, appeal=appeal > 0)


def _shape_score(text: str, lx: Lexicon, appeal: bool) -> float:
    """What the form of a block with some pitch vocabulary adds to (or takes from) its score."""
    score = 0.0
    addressed = lx.you.search(text) is not None
    if addressed:
        score += 1.0
    if (addressed or appeal) and lx.money.search(text) and lx.period.search(text):
        score += 1.5  # "from just $2 a month"; a price in a report addresses no one
    if _EXCLAIM.search(text):
        score += 0.5
    if not text.endswith("."):  # a button, a label or a cry, not a sentence
        score += (len(text) <= SHORT_CHARS) + (len(text) <= SATELLITE_CHARS)
    if lx.reporting.search(text):
        score -= 2.0
    # Long paragraphs are reporting unless the evidence is overwhelming.
    return score - max(0.0, (len(text) - LABEL_CHARS) / 150)


def bio_score(text: str, lexicon: Lexicon | None = None) -> float:
    """How much a block reads like an author bio or contact line."""
    bio = (lexicon if lexicon is not None else load_lexicon()).bio
    if len(text) > 2 * LABEL_CHARS:
        return 0.0
    if "@" in text and _EMAIL.search(text):
        return bio.weight
    lowered = text.lower()
    return bio.weight * min(bio.hits(lowered, word_prefixes(lowered)), 1)


def _label_score(text: str, lowered: str, lx: Lexicon) -> float:
    """Score of a navigation, credit, copyright or advertising label in a short block."""
    if len(text) > LABEL_CHARS:
        return 0.0
    if "©" in text or lx.copyright.search(lowered) or lx.caption_credit.search(lowered):
        return 3.5
    if lx.related_label.match(lowered) or lx.credit.match(lowered) or lx.advertising.match(lowered):
        return 4.0
    if len(text) > SHORT_CHARS:
        return 0.0
    if text.endswith((".", "!", "?")):  # a sentence: a "related" phrase counts only opening it
        related = lx.related_anywhere.match(lowered) is not None
    else:  # a label or a headline: anywhere
        related = lx.related_anywhere.search(lowered) is not None or (
            text.endswith(":") and lx.related_start.match(lowered) is not None
        )
    return 4.0 if related or lx.navigation.match(lowered) else 0.0


# --- Cleaning ----------------------------------------------------------------------------------


def clean_blocks(
    blocks: list[Block], language: str | None = None, lexicon: Lexicon | None = None
) -> list[Block]:
    """Return the blocks that are reporting, in order.

    ``language`` is accepted for callers that know it; the vocabulary of every supported language
    is always used, since a page's declared language is often missing or wrong. ``lexicon``
    defaults to the package's vocabulary files.
    """
    if not blocks:
        return blocks
    lx = lexicon if lexicon is not None else load_lexicon()
    scores = [pitch_score(block.text, lx) for block in blocks]
    drop = [score >= BODY_THRESHOLD for score in scores]
    _mark_related_lists(blocks, drop, lx)
    _mark_neighbours(blocks, scores, drop)
    _mark_run(reversed(range(len(blocks))), blocks, scores, drop, lx, tail=True)
    _mark_run(range(len(blocks)), blocks, scores, drop, lx, tail=False)
    return [block for block, dropped in zip(blocks, drop, strict=True) if not dropped]


def _mark_run(
    order: Iterable[int],
    blocks: list[Block],
    scores: list[float],
    drop: list[bool],
    lx: Lexicon,
    *,
    tail: bool,
) -> None:
    """Walk in from one end; drop pitches and the short blocks between them, up to the reporting."""
    pending: list[int] = []  # short blocks since the last pitch
    for i in order:
        text = blocks[i].text
        if len(text) > EDGE_CHARS and scores[i] < BODY_THRESHOLD:
            break
        if (
            drop[i]
            or scores[i] >= EDGE_THRESHOLD
            or (tail and bio_score(text, lx) >= EDGE_THRESHOLD)
        ):
            drop[i] = True
            for j in pending:
                drop[j] = True
            pending.clear()
        elif len(text) <= SATELLITE_CHARS and len(pending) < SATELLITES:
            pending.append(i)
        else:
            break


def _mark_neighbours(blocks: list[Block], scores: list[float], drop: list[bool]) -> None:
    """Extend each dropped pitch over the weaker pitches and short lines next to it.

    Appeals come in runs: "we have a favour to ask", the newsroom's story, the ask, the payment
    buttons, "remind me later". Only the ask needs to be strong.
    """
    for order in (range(len(blocks)), range(len(blocks) - 1, -1, -1)):
        in_run = False
        pending: list[int] = []  # short lines since the last dropped block
        for i in order:
            if drop[i] or (in_run and scores[i] >= NEIGHBOUR_THRESHOLD):
                for j in [*pending, i]:
                    drop[j] = True
                in_run = True
                pending.clear()
            elif in_run and len(blocks[i].text) <= SATELLITE_CHARS and len(pending) < SATELLITES:
                pending.append(i)
            else:
                in_run = False
                pending.clear()


def _mark_related_lists(blocks: list[Block], drop: list[bool], lx: Lexicon) -> None:
    """Drop the headline-like blocks that follow a stand-alone "related" label."""
    for i, block in enumerate(blocks):
        if not drop[i] or not _standalone_label(block.text, lx):
            continue
        for j in range(i + 1, min(i + 1 + RELATED_ITEMS, len(blocks))):
            if drop[j] or not _headline_like(blocks[j].text, lx) or _opens_section(blocks, j, lx):
                break
            drop[j] = True


def _opens_section(blocks: list[Block], index: int, lx: Lexicon) -> bool:
    """Whether the block at ``index`` is a heading over a paragraph of the article."""
    following = blocks[index + 1].text if index + 1 < len(blocks) else ""
    return blocks[index].tag == "head" and bool(following) and not _headline_like(following, lx)


def _standalone_label(text: str, lx: Lexicon) -> bool:
    """Whether ``text`` is a "related" label and nothing else ("Read more", "Lesen Sie auch:")."""
    lowered = text.lower()
    match = lx.related_label.match(lowered)
    return match is not None and len(lowered) - match.end() <= 2


def _headline_like(text: str, lx: Lexicon) -> bool:
    """A short line that reads like a link to another article, not a sentence of this one."""
    return (
        len(text) <= HEADLINE_CHARS
        and not text.endswith((".", ":", ";", "!", '"', "“", "”", "»"))
        and not lx.reporting.search(text)
    )
