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
from archiver.extraction.lexicon import PITCH_WEIGHTS, Lexicon, load_lexicon


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

# Why a block was dropped, as the reader says it: by pitch vocabulary kind (the ``[phrases]``
# tables of the vocabulary files), and for labels, related lists, bios and bare imperatives.
REASONS = {
    "appeal": "appeal",
    "mission": "appeal",  # how a publisher describes itself when it asks for money
    "subscribe": "newsletter or subscription pitch",
    "social": "share or follow prompt",
    "app": "app prompt",
    "legal": "legal notice",
    "cookie": "cookie notice",
    "comments": "comments prompt",
    "reading_time": "reading time",
    "meta": "update note",
    "paywall": "paywall prompt",
}
PAYWALL_PROMPT = REASONS["paywall"]
RELATED = "related links"
CREDIT = "credit or copyright"
BIO = "author bio"
CALL_TO_ACTION = "call to action"

_EXCLAIM = re.compile(r"!\s*$|!\s")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")
# The name a block opens with: up to four capitalised words; the group is the last (a surname).
_LEADING_NAME = re.compile(r"(?:[A-Z][\w'’-]+ ){0,3}([A-Z][\w'’-]{2,})(?=[\s,])")
# Sentence openers that are not names.
_NOT_NAMES = re.compile(r"(?:the|this|our|his|her|their|she|he|they|we|you|it|its|a|an)$", re.I)


def pitch_score(text: str, lexicon: Lexicon | None = None) -> float:
    """How much a block reads like a call to action or navigation rather than reporting.

    ``lexicon`` defaults to the package's vocabulary files.
    """
    return _scored(text, lexicon if lexicon is not None else load_lexicon())[0]


def _scored(text: str, lx: Lexicon) -> tuple[float, str]:
    """A block's pitch score, and what it reads as: the kind that added most to the score."""
    lowered = text.lower()
    score, kind = _label_score(text, lowered, lx)
    strongest = score
    appeal, networks = 0, False
    keys = lx.candidate_keys(lowered)
    if keys:  # else no vocabulary can hit
        for name, vocabulary in zip(PITCH_WEIGHTS, lx.pitch_vocabularies, strict=True):
            hits = vocabulary.hits(lowered, keys)
            appeal = hits if vocabulary is lx.appeal else appeal
            score += vocabulary.weight * hits
            if vocabulary.weight * hits > strongest:
                strongest, kind = vocabulary.weight * hits, REASONS[name]
        # A count, so the candidates are not enough: only exact prefixes say two networks.
        networks = len(lx.networks & keys) >= 2 and len(lx.networks & word_prefixes(lowered)) >= 2
    if lx.imperative.match(text):
        score += 2.0 if score else 1.0
    if networks:
        score += 1.5
        kind = kind if strongest else REASONS["social"]
    if score == 0.0:
        return 0.0, kind
    return score + _shape_score(text, lx, appeal=appeal > 0), kind


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


def _label_score(text: str, lowered: str, lx: Lexicon) -> tuple[float, str]:
    """Score of a navigation, credit, copyright or advertising label in a short block, and kind."""
    if len(text) > LABEL_CHARS:
        return 0.0, CALL_TO_ACTION
    if "©" in text or lx.copyright.search(lowered) or lx.caption_credit.search(lowered):
        return 3.5, CREDIT
    if lx.related_label.match(lowered):
        return 4.0, RELATED
    if lx.credit.match(lowered):
        return 4.0, CREDIT
    if lx.advertising.match(lowered):
        return 4.0, "advertising label"
    if len(text) > SHORT_CHARS:
        return 0.0, CALL_TO_ACTION
    if text.endswith((".", "!", "?")):  # a sentence: a "related" phrase counts only opening it
        related = lx.related_anywhere.match(lowered) is not None
    else:  # a label or a headline: anywhere
        related = lx.related_anywhere.search(lowered) is not None or (
            text.endswith(":") and lx.related_start.match(lowered) is not None
        )
    if related:
        return 4.0, RELATED
    return (4.0, "navigation") if lx.navigation.match(lowered) else (0.0, CALL_TO_ACTION)


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
    reasons = drop_reasons(blocks, language, lexicon)
    return [block for block, reason in zip(blocks, reasons, strict=True) if reason is None]


def drop_reasons(
    blocks: Sequence[Block], language: str | None = None, lexicon: Lexicon | None = None
) -> list[str | None]:
    """For each block, why the layer drops it ("appeal", "related links", ...); None: kept.

    The one marking :func:`clean_blocks` keeps the blocks of; arguments as there.
    """
    lx = lexicon if lexicon is not None else load_lexicon()
    scored = [_scored(block.text, lx) for block in blocks]
    scores = [score for score, _ in scored]
    reasons = [kind if score >= BODY_THRESHOLD else None for score, kind in scored]
    _mark_related_lists(blocks, reasons, lx)
    _mark_neighbours(blocks, scores, reasons)
    _mark_run(reversed(range(len(blocks))), blocks, scored, reasons, lx, tail=True)
    _mark_run(range(len(blocks)), blocks, scored, reasons, lx, tail=False)
    _mark_paywall_prompts(blocks, reasons, lx)
    return reasons


def stops_at_paywall(reasons: Sequence[str | None]) -> bool:
    """Whether the text stops at a paywall prompt: one was dropped, and nothing kept after it."""
    for reason in reversed(reasons):
        if reason is None:
            return False
        if reason == PAYWALL_PROMPT:
            return True
    return False


def _mark_paywall_prompts(blocks: Sequence[Block], reasons: list[str | None], lx: Lexicon) -> None:
    """Name each dropped block holding a paywall prompt for it, whatever its run was dropped as.

    A prompt says "subscribe" too, and may ride in a run of other pitches; its own name is what
    tells a text cut short by a paywall (:func:`stops_at_paywall`).
    """
    for i, block in enumerate(blocks):
        if reasons[i] is None or reasons[i] == PAYWALL_PROMPT:
            continue
        lowered = block.text.lower()
        if lx.paywall.hits(lowered, lx.candidate_keys(lowered)):
            reasons[i] = PAYWALL_PROMPT


def _mark_run(
    order: Iterable[int],
    blocks: Sequence[Block],
    scored: list[tuple[float, str]],
    reasons: list[str | None],
    lx: Lexicon,
    *,
    tail: bool,
) -> None:
    """Walk in from one end; drop pitches and the short blocks between them, up to the reporting."""
    pending: list[int] = []  # short blocks since the last pitch
    for i in order:
        text = blocks[i].text
        score, kind = scored[i]
        if len(text) > EDGE_CHARS and score < BODY_THRESHOLD:
            break
        reason = reasons[i]
        if reason is None and score >= EDGE_THRESHOLD:
            reason = kind
        elif (
            reason is None
            and tail
            and bio_score(text, lx) >= EDGE_THRESHOLD
            and not _profiles_the_story_s_subject(blocks, i)
        ):
            reason = BIO
        if reason is not None:
            for j in [*pending, i]:
                reasons[j] = reason
            pending.clear()
        elif len(text) <= SATELLITE_CHARS and len(pending) < SATELLITES:
            pending.append(i)
        else:
            break


def _profiles_the_story_s_subject(blocks: Sequence[Block], index: int) -> bool:
    """Whether a bio-like block opens with a name the reporting before it already used: then it
    is about the story's subject ("Marsh, a freelance writer, ..."), not the writer's bio."""
    lead = _LEADING_NAME.match(blocks[index].text)
    if lead is None or _NOT_NAMES.match(lead.group(0).split()[0]):
        return False
    name = re.compile(rf"\b{re.escape(lead.group(1))}\b")
    return any(
        len(block.text) > SHORT_CHARS and name.search(block.text) for block in blocks[:index]
    )


def _mark_neighbours(
    blocks: Sequence[Block], scores: list[float], reasons: list[str | None]
) -> None:
    """Extend each dropped pitch over the weaker pitches and short lines next to it.

    Appeals come in runs: "we have a favour to ask", the newsroom's story, the ask, the payment
    buttons, "remind me later". Only the ask needs to be strong; the run goes for its reason.
    """
    for order in (range(len(blocks)), range(len(blocks) - 1, -1, -1)):
        run: str | None = None  # the reason of the run walked through, if in one
        pending: list[int] = []  # short lines since the last dropped block
        for i in order:
            if reasons[i] is not None or (run is not None and scores[i] >= NEIGHBOUR_THRESHOLD):
                run = reasons[i] or run
                for j in [*pending, i]:
                    reasons[j] = run
                pending.clear()
            elif (
                run is not None
                and len(blocks[i].text) <= SATELLITE_CHARS
                and len(pending) < SATELLITES
            ):
                pending.append(i)
            else:
                run = None
                pending.clear()


def _mark_related_lists(blocks: Sequence[Block], reasons: list[str | None], lx: Lexicon) -> None:
    """Drop the headline-like blocks that follow a stand-alone "related" label."""
    for i, block in enumerate(blocks):
        if reasons[i] is None or not _standalone_label(block.text, lx):
            continue
        for j in range(i + 1, min(i + 1 + RELATED_ITEMS, len(blocks))):
            if reasons[j] is not None or not _headline_like(blocks[j].text, lx):
                break
            if _opens_section(blocks, j, lx):
                break
            reasons[j] = RELATED


def _opens_section(blocks: Sequence[Block], index: int, lx: Lexicon) -> bool:
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
