"""Region widening: text trafilatura left out that a second extractor and a model agree on.

trafilatura picks one region of the page; a body split across sibling containers, or set beside
what it took for the main block, comes back in part. Resiliparse's main-content extraction is a
second, independent opinion (a different parser and different rules, about a tenth of
trafilatura's time). Each of its lines that is not in trafilatura's text is a candidate; a
gradient-boosted tree ensemble over cheap features of the line (length, shape, the in-page
layer's pitch and bio scores, where it stands among the lines trafilatura took) scores it, and
those above the model's threshold join the article where the second extractor has them. The
in-page layer then judges the added lines in their place, like any other.

The model is trained by ``benchmarks/lines/train.py`` on the development corpus only and ships
as plain JSON (``models/regions.json``); evaluating it is plain Python over lists. Without the
file, or without resiliparse, extraction is trafilatura's and the in-page layer's alone.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import re
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, cast

from archiver.extraction.cleaning import Block, bio_score, drop_reasons
from archiver.extraction.siblings import sibling_lines

log = logging.getLogger(__name__)

MODEL_FILE = "regions.json"
_WORD = re.compile(r"\w+")
_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(19|20)\d\d\b")
_SEPARATORS = re.compile(r"[|·•»›]")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = (".", "!", "?", '"', "”", "“", "»", "«", ":")
LONG_LINE = 200
PROSE_LINE = 100
# Shorter lines are never added: buttons, labels and links, and not worth a model's time.
MIN_CHARS = 12
# Pages whose article text is this share of their markup or more are not widened (see widen).
COMPLETE_SHARE = 0.05
# What trafilatura never takes as text and resiliparse would: drawings' titles.
_SKIP = ["svg", "math"]
ADDED = "p"  # the tag an added line gets: the second extractor's text has no elements

FEATURES = (
    "log_chars",
    "words",
    "sentence_end",
    "digits",
    "upper",
    "bio",
    "separators",
    "capitalised_words",
    "date",
    "position",
    "inside_span",
    "to_ours",
    "prev_ours",
    "next_ours",
    "log_our_chars",
    "log_other_chars",
    "our_share",
    "log_candidates",
    "neighbours_long",
    "overlap",
    "prose_run",
)


@dataclass(frozen=True, slots=True)
class Widened:
    """The page's lines after widening: blocks, in-page reasons, and the model's score of each
    added line (None for trafilatura's own)."""

    blocks: tuple[Block, ...]
    reasons: tuple[str | None, ...]
    scores: tuple[float | None, ...]


def normalise(text: str) -> str:
    """Whitespace folded to single spaces."""
    return _SPACES.sub(" ", text).strip()


def second_opinion(markup: str) -> list[str]:
    """Resiliparse's main-content lines of the page, normalised; [] when it is not installed."""
    try:
        from resiliparse.extract.html2text import extract_plain_text
    except ImportError:  # pragma: no cover - a dependency; extraction goes on without it
        return []
    try:
        text = extract_plain_text(
            markup, main_content=True, list_bullets=False, alt_texts=False, skip_elements=_SKIP
        )
    except Exception:  # its parser on hostile input: the page keeps trafilatura's text
        log.debug("resiliparse failed", exc_info=True)
        return []
    return [line for line in (normalise(raw) for raw in str(text).split("\n")) if line]


def candidate_lines(other: Sequence[str], ours: str) -> list[int]:
    """Indexes of the lines of ``other`` that our text (normalised) lacks, long enough to judge."""
    return [i for i, line in enumerate(other) if len(line) >= MIN_CHARS and line not in ours]


def widen(
    markup: str, blocks: tuple[Block, ...], reasons: tuple[str | None, ...], language: str | None
) -> Widened:
    """Add the shipped model's picks among the second opinion's lines to the page's lines.

    A page whose text trafilatura found is :data:`COMPLETE_SHARE` of its markup or more is left
    as it is: such pages gained little on the corpus, and the second opinion costs time.
    """
    model = shipped_model()
    if model is None or not worth_widening(len(markup), blocks):
        return Widened(blocks, reasons, (None,) * len(blocks))
    other = second_opinion(markup)
    siblings = declared_siblings(markup, other, blocks, reasons)
    return widen_with(model, other, blocks, reasons, language, siblings)


def declared_siblings(
    markup: str,
    other: Sequence[str],
    blocks: Sequence[Block],
    reasons: Sequence[str | None],
) -> dict[int, str]:
    """The lines of ``other`` trafilatura lacks that stand in a sibling of the body's container
    (see :mod:`archiver.extraction.siblings`), by index, with the container's name."""
    held = [normalise(b.text) for b, reason in zip(blocks, reasons, strict=True) if reason is None]
    ours = normalise(" ".join(block.text for block in blocks))
    candidates = {i: other[i] for i in candidate_lines(other, ours)}
    return sibling_lines(markup, held, candidates) if candidates else {}


def worth_widening(markup_chars: int, blocks: Sequence[Block]) -> bool:
    """Whether trafilatura's text is a small enough share of the page's markup to look further."""
    return sum(len(block.text) for block in blocks) < COMPLETE_SHARE * markup_chars


def widen_with(
    model: TreeModel,
    other: Sequence[str],
    blocks: tuple[Block, ...],
    reasons: tuple[str | None, ...],
    language: str | None,
    siblings: Mapping[int, str] | None = None,
) -> Widened:
    """:func:`widen` with a given model and second opinion (``other``: normalised lines);
    ``siblings``: the lines :func:`declared_siblings` found, which join whatever their score."""
    ours = normalise(" ".join(block.text for block in blocks))
    candidates = candidate_lines(other, ours)
    scores: dict[int, float] = {}
    if candidates:
        rows = features(other, ours, candidates)
        probabilities = model.probabilities(rows)
        scores = {i: p for i, p in zip(candidates, probabilities, strict=True)}
    chosen = {i for i, p in scores.items() if p >= model.threshold} | set(siblings or ())
    if not chosen:
        return Widened(blocks, reasons, (None,) * len(blocks))
    merged = _merge(other, blocks, chosen)
    merged_blocks = tuple(block for block, _ in merged)
    judged = drop_reasons(merged_blocks, language)
    new_reasons = []
    position = 0
    for (_, added), reason in zip(merged, judged, strict=True):
        if added is None:
            new_reasons.append(reasons[position])  # trafilatura's lines keep their verdicts
            position += 1
        else:
            new_reasons.append(reason)
    return Widened(
        merged_blocks,
        tuple(new_reasons),
        tuple(None if a is None else scores[a] for _, a in merged),
    )


def _merge(
    other: Sequence[str], blocks: tuple[Block, ...], chosen: set[int]
) -> list[tuple[Block, int | None]]:
    """trafilatura's lines with the chosen lines of ``other`` placed where ``other`` has them:
    after the last of our lines that ``other`` showed before them."""
    texts = [normalise(block.text) for block in blocks]
    merged: list[tuple[Block, int | None]] = []
    shown = 0
    for i, line in enumerate(other):
        if i in chosen:
            merged.extend((block, None) for block in blocks[len(merged) - _added(merged) : shown])
            merged.append((Block(line, ADDED), i))
            continue
        match = next(
            (j for j in range(shown, len(texts)) if line in texts[j] or texts[j] in line), None
        )
        if match is not None:
            shown = max(shown, match + 1)
    merged.extend((block, None) for block in blocks[len(merged) - _added(merged) :])
    return merged


def _added(merged: list[tuple[Block, int | None]]) -> int:
    return sum(1 for _, index in merged if index is not None)


@dataclass(frozen=True, slots=True)
class TreeModel:
    """A boosted tree ensemble as plain lists: each tree is ``[feature, threshold, left, right,
    value]`` node arrays; a leaf has feature -1. The score is ``base + sum of leaf values``."""

    features: tuple[str, ...]
    base: float
    trees: tuple[tuple[list[int], list[float], list[int], list[int], list[float]], ...]
    threshold: float

    scorer: Callable[[Sequence[float]], float] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scorer", _compiled(self.base, self.trees))

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """The probability that each line (a feature row) is the article's.

        Features are rounded to single precision first, as scikit-learn's trees compare them:
        a value between its float32 and the split's threshold would otherwise go the other way.
        """
        return [1.0 / (1.0 + math.exp(-self.scorer(array("f", row)))) for row in rows]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeModel:
        """Read the artifact ``benchmarks/lines/train.py`` writes."""
        trees = tuple(
            (
                [int(v) for v in t["feature"]],
                [float(v) for v in t["threshold"]],
                [int(v) for v in t["left"]],
                [int(v) for v in t["right"]],
                [float(v) for v in t["value"]],
            )
            for t in data["trees"]
        )
        features = tuple(str(name) for name in data["features"])
        return cls(features, float(data["base"]), trees, float(data["threshold"]))


def _compiled(base: float, trees: Sequence[Sequence[Sequence[float]]]) -> Callable[..., float]:
    """The ensemble as one Python function of a feature row: nested conditionals, five times
    faster than walking the node arrays. Built from numbers only (each checked finite)."""

    def node(tree: Sequence[Sequence[float]], i: int) -> str:
        feature, threshold, left, right, value = tree
        if feature[i] < 0:
            return _number(value[i])
        return (
            f"({node(tree, int(left[i]))} if row[{int(feature[i])}] <= {_number(threshold[i])}"
            f" else {node(tree, int(right[i]))})"
        )

    terms = ",\n".join(node(tree, 0) for tree in trees)
    source = f"def score(row):\n    return {_number(base)} + sum((\n{terms},\n))\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, MODEL_FILE, "exec"), namespace)  # noqa: S102 - numbers only, see above
    return cast(Callable[..., float], namespace["score"])


def _number(value: float) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{MODEL_FILE}: not a finite number: {value!r}")
    return repr(number)


@cache
def shipped_model() -> TreeModel | None:
    """The model shipped in the package, or None when none is (or its features differ)."""
    path = resources.files("archiver.extraction") / "models" / MODEL_FILE
    if not path.is_file():
        return None
    model = TreeModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    if model.features != FEATURES:
        log.warning("%s was trained on other features: not used", MODEL_FILE)
        return None
    return model


def features(
    other_lines: Sequence[str], kept_text: str, candidates: Sequence[int]
) -> list[list[float]]:
    """One row (in :data:`FEATURES` order) per candidate line of the other extractor.

    ``other_lines`` are its non-empty lines, normalised; ``kept_text`` the normalised text of
    trafilatura's lines; ``candidates`` the indexes :func:`candidate_lines` gave.
    """
    n = len(other_lines)
    extra = set(candidates)
    inside = [i for i, line in enumerate(other_lines) if line in kept_text]  # lines we hold
    held = set(inside)
    first, last = (inside[0], inside[-1]) if inside else (n, -1)
    kept_chars = len(kept_text)
    other_chars = sum(len(line) for line in other_lines) or 1
    vocabulary = _content_words(kept_text)
    runs = _prose_runs(other_lines, extra)
    rows = []
    for i in candidates:
        text = other_lines[i]
        size = len(text) or 1
        words = _WORD.findall(text)
        letters = sum(map(str.isalpha, text)) or 1
        near = [
            len(other_lines[j]) >= LONG_LINE for j in (i - 1, i + 1) if 0 <= j < n and j in extra
        ]
        rows.append(
            [
                math.log1p(size),
                float(len(words)),
                float(text.endswith(_SENTENCE_END)),
                sum(map(str.isdigit, text)) / size,
                sum(map(str.isupper, text)) / letters,
                bio_score(text),
                float(len(_SEPARATORS.findall(text))),
                sum(w[0].isupper() for w in words) / (len(words) or 1),
                float(_DATE.search(text) is not None),
                i / n,
                float(first < i < last),
                float(_distance(inside, i, n)),
                float(i - 1 in held),
                float(i + 1 in held),
                math.log1p(kept_chars),
                math.log1p(other_chars),
                kept_chars / other_chars,
                math.log1p(len(candidates)),
                float(sum(near)),
                _overlap(words, vocabulary),
                float(runs.get(i, 0)),
            ]
        )
    return rows


def candidate_scores(
    model: TreeModel, other: Sequence[str], blocks: Sequence[Block]
) -> dict[str, float]:
    """The model's score of each line of ``other`` that trafilatura's ``blocks`` lack, by line."""
    ours = normalise(" ".join(block.text for block in blocks))
    candidates = candidate_lines(other, ours)
    if not candidates:
        return {}
    probabilities = model.probabilities(features(other, ours, candidates))
    return {other[i]: p for i, p in zip(candidates, probabilities, strict=True)}


def _distance(inside: list[int], i: int, n: int) -> int:
    """How many lines from ``i`` to the nearest of ``inside`` (sorted); ``n`` when there is none."""
    at = bisect.bisect_left(inside, i)
    near = [abs(inside[k] - i) for k in (at - 1, at) if 0 <= k < len(inside)]
    return min(near, default=n)


def _content_words(text: str) -> set[str]:
    """The longer words of a text, lowercased: what a continuation of it would share."""
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 5}


def _overlap(words: list[str], vocabulary: set[str]) -> float:
    """Share of a line's longer words (``words``: all its words) that our text holds too."""
    longer = {w.lower() for w in words if len(w) >= 5}
    return len(longer & vocabulary) / len(longer) if longer else 0.0


def _prose_runs(other_lines: Sequence[str], extra: set[int]) -> dict[int, int]:
    """For each candidate line, how many candidate lines of prose its run holds (0: not prose)."""
    runs: dict[int, int] = {}
    run: list[int] = []
    for i in [*range(len(other_lines)), -1]:
        if i in extra and len(other_lines[i]) >= PROSE_LINE:
            run.append(i)
            continue
        runs.update({j: len(run) for j in run})
        run = []
    return runs
