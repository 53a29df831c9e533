"""An article's clean text as the reader shows it: paragraphs, what cleaning removed, diffs."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from storage.boilerplate import block_fingerprint
from storage.extracted import ExtractedBlocks

# Only for rows stored before the archive kept why cleaning dropped each block (the
# ``extracted`` column without "reasons"): words that name what a dropped block reads as, first
# match wins. Rows stored since carry the cleaning layer's own reason, in every language.
RELATED = "related links"
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("newsletter pitch", re.compile(r"newsletter|sign up|inbox|briefing|\bbrief\b", re.I)),
    (
        RELATED,
        re.compile(r"^(related|read (more|also)|more (from|on)|see also|lesen sie)", re.I),
    ),
    (
        "appeal",
        re.compile(
            r"donat|support|contribut|member|chip in|\bgift|favou?r|paypal|subscri|pledge", re.I
        ),
    ),
    ("share or follow prompt", re.compile(r"\bshare\b|follow us|facebook|twitter", re.I)),
    ("author bio", re.compile(r"^about [A-Z]|\bcovers\b|\bwrites about\b", re.I)),
    ("credit or copyright", re.compile(r"©|copyright|all rights reserved|photo:", re.I)),
)
_BULLET = re.compile(r"^[-•*]\s+")


@dataclass(frozen=True, slots=True)
class Piece:
    """One element of the body: a paragraph, heading, quote, code, or a list of items."""

    tag: str  # p, head, quote, code, list
    text: str = ""
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RemovedBlock:
    """A block of the page that cleaning kept out of the text, and why."""

    text: str
    reason: str


def body(title: str | None, text: str, extracted: ExtractedBlocks | None) -> list[Piece]:
    """The clean text as pieces, headings and lists kept; the headline line is left to the page."""
    tags = _line_tags(text, extracted)
    lines = text.split("\n")
    if lines and title and lines[0].strip() == title.strip():
        lines, tags = lines[1:], tags[1:]
    pieces: list[Piece] = []
    for line, tag in zip(lines, tags, strict=True):
        if not line.strip():
            continue
        if tag == "item" or (tag == "p" and _BULLET.match(line)):
            item = _BULLET.sub("", line)
            if pieces and pieces[-1].tag == "list":
                pieces[-1].items.append(item)
            else:
                pieces.append(Piece("list", items=[item]))
        else:
            pieces.append(Piece(tag if tag in ("head", "quote", "code") else "p", line))
    return pieces


def _line_tags(text: str, extracted: ExtractedBlocks | None) -> list[str]:
    """Each line's output tag, found by walking the extracted blocks in page order."""
    lines = text.split("\n")
    if extracted is None:
        return ["p"] * len(lines)
    blocks = list(extracted.blocks)
    tags = []
    start = 0
    for line in lines:
        tag = "p"
        for index in range(start, len(blocks)):
            if blocks[index][0] == line:
                tag = blocks[index][1] if len(blocks[index]) > 1 else "p"
                start = index + 1
                break
        tags.append(tag)
    return tags


def removed_blocks(
    text: str, extracted: ExtractedBlocks | None, site_pages: dict[int, int]
) -> list[RemovedBlock]:
    """The blocks the page had that the text lacks, each with the reason it went.

    ``site_pages`` maps a block's fingerprint to how many of the site's pages carry it.
    """
    if extracted is None:
        return []
    remaining = Counter(text.split("\n"))
    found: list[tuple[int, str, str | None]] = []
    for index, (block, kept) in enumerate(zip(extracted.blocks, extracted.kept, strict=False)):
        words = block[0]
        if remaining[words] > 0:
            remaining[words] -= 1
            continue
        if kept:
            pages = site_pages.get(block_fingerprint(words))
            why = f"site block seen on {pages} pages" if pages else "removed by the site layer"
            found.append((index, words, why))
        elif extracted.reasons is not None and index < len(extracted.reasons):
            found.append((index, words, extracted.reasons[index]))  # as cleaning recorded it
        else:  # a row stored before reasons were: guess from the words
            previous = found[-1] if found else None
            in_list = block[1:2] == ("item",) or _BULLET.match(words)
            if in_list and previous and previous[0] == index - 1 and previous[2] == RELATED:
                found.append((index, words, RELATED))  # an item of a "related" list
            else:
                found.append((index, words, _in_page_kind(words)))
    return _fill_runs(found)


def _in_page_kind(words: str) -> str | None:
    for kind, pattern in _KINDS:
        if pattern.search(words):
            return kind
    return None


def _fill_runs(found: list[tuple[int, str, str | None]]) -> list[RemovedBlock]:
    """A short line inside a run of dropped blocks takes the run's reason ("Remind me later")."""
    reasons = [why for _, _, why in found]
    for order in (range(len(found)), range(len(found) - 1, -1, -1)):
        previous: tuple[int, str | None] | None = None
        for i in order:
            index = found[i][0]
            if reasons[i] is None and previous and abs(previous[0] - index) == 1:
                reasons[i] = previous[1]
            previous = (index, reasons[i])
    return [
        RemovedBlock(words, reason or "in-page cleaning")
        for (_, words, _), reason in zip(found, reasons, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One paragraph of a diff: kept, added, removed, or changed with word-level marks."""

    kind: str  # same, added, removed, changed
    parts: list[tuple[str, str]]  # (op, text): op is "", "ins" or "del"


def diff_texts(old: str, new: str) -> list[DiffLine]:
    """Paragraph by paragraph, and word by word inside a changed paragraph."""
    before, after = old.split("\n"), new.split("\n")
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            lines.extend(DiffLine("same", [("", line)]) for line in before[a1:a2])
        elif op == "replace" and a2 - a1 == b2 - b1:
            for old_line, new_line in zip(before[a1:a2], after[b1:b2], strict=True):
                lines.append(DiffLine("changed", _word_diff(old_line, new_line)))
        else:
            lines.extend(DiffLine("removed", [("del", line)]) for line in before[a1:a2])
            lines.extend(DiffLine("added", [("ins", line)]) for line in after[b1:b2])
    return lines


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.split(" "), new.split(" ")
    parts: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("", " ".join(a[a1:a2]) + " "))
            continue
        if a2 > a1:
            parts.append(("del", " ".join(a[a1:a2])))
            parts.append(("", " "))
        if b2 > b1:
            parts.append(("ins", " ".join(b[b1:b2])))
            parts.append(("", " "))
    return parts


def lead(title: str | None, text: str, chars: int = 280) -> str:
    """The first lines of the text, headline left out, cut at a word."""
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and title and lines[0].strip() == title.strip():
        lines = lines[1:]
    joined = " ".join(lines)
    if len(joined) <= chars:
        return joined
    return joined[:chars].rsplit(" ", 1)[0] + "…"
