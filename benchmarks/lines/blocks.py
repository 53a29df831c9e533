"""An experiment that did not help: every block of the page judged by one model, cross-validated.

Region selection by reconciling opinions per block, taken literally: split the whole page into
text blocks (the text of each block-level element, its inline children included), give each
block the opinions on it (in trafilatura's lines, kept by the in-page layer, in resiliparse's
text, in the JSON-LD ``articleBody``) and its place in the markup (link density, tag, class and
id words, aside/footer/nav/article/main ancestors, ``itemprop=articleBody``, depth, place
relative to the ``h1`` and to trafilatura's span, a readability-style score of its container),
and let a boosted tree model keep or drop each one. Scored under the same site-grouped 5-fold
split as ``train.py``; it prints precision / recall / F1 of the kept blocks at several
thresholds, beside today's text (trafilatura with the in-page layer, no region stage).

Example:
    .venv/bin/python benchmarks/lines/blocks.py
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction.regions import _SENTENCE_END, _WORD, normalise  # noqa: E402
from archiver.extraction.trafilatura_internals import load_html  # noqa: E402
from benchmarks.corpus import CORPUS, EVAL_DIR, unpack  # noqa: E402
from benchmarks.extraction import load_pages  # noqa: E402
from benchmarks.lines.dataset import PageLines, load  # noqa: E402
from benchmarks.lines.narrowing import ASIDE, STORY  # noqa: E402
from benchmarks.lines.train import (  # noqa: E402
    FOLDS,
    SEED,
    Counts,
    fold_of,
    fold_training,
    label,
    other_lines,
)

THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
PARAMS = {"max_iter": 200, "learning_rate": 0.05, "max_depth": 4}
BLOCK_TAGS = frozenset(
    ("p", "li", "td", "th", "tr", "dd", "dt", "dl", "ul", "ol", "table", "blockquote", "pre")
    + ("h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "figure", "address")
    + ("div", "section", "article", "aside", "header", "footer", "nav", "main", "body", "form")
    + ("center", "fieldset")
)
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
TAG_GROUPS = (
    frozenset({"p"}),
    HEADINGS,
    frozenset({"li"}),
    frozenset({"td", "th"}),
    frozenset({"div"}),
)
ANCESTOR_GROUPS = (
    frozenset({"aside", "footer"}),
    frozenset({"nav", "header"}),
    frozenset({"article"}),
    frozenset({"main"}),
)
SKIPPED = ("script", "style", "noscript", "template", "svg")
KEY = 50  # a block's opinion is read from whether its first characters are in the other text


@dataclass(frozen=True, slots=True)
class PageBlock:
    """One block of a page: its element, its text (normalised) and its linked share."""

    element: Any
    text: str
    linked: float


def page_blocks(tree: Any) -> list[PageBlock]:
    """The page's blocks in document order: each text piece goes to its nearest block element.
    Scripts, styles and drawings are removed from ``tree`` first."""
    for element in list(tree.iter(*SKIPPED)):
        element.drop_tree()
    pieces: dict[Any, list[tuple[str, bool]]] = {}
    for block, text, linked in _pieces(tree, tree, False):
        pieces.setdefault(block, []).append((text, linked))
    blocks = []
    for element, parts in pieces.items():
        text = normalise(" ".join(t for t, _ in parts))
        if len(text) >= 2:
            chars = sum(len(t) for t, _ in parts) or 1
            linked = sum(len(t) for t, in_link in parts if in_link) / chars
            blocks.append(PageBlock(element, text, linked))
    return blocks


def _pieces(element: Any, block: Any, in_link: bool) -> Iterator[tuple[Any, str, bool]]:
    """(block, text, inside a link) for every text piece under ``element``, in document order."""
    block = element if element.tag in BLOCK_TAGS else block
    in_link = in_link or element.tag == "a"
    if element.text and element.text.strip():
        yield block, element.text, in_link
    for child in element:
        if isinstance(child.tag, str):
            yield from _pieces(child, block, in_link)
        if child.tail and child.tail.strip():
            yield block, child.tail, in_link


def declared_body(tree: Any) -> str:
    """The JSON-LD ``articleBody`` of the page, normalised; '' when it declares none."""
    bodies: list[str] = []
    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "") and script.text:
            try:
                _collect_bodies(json.loads(script.text), bodies)
            except ValueError:
                continue
    return normalise(" ".join(bodies))


def _collect_bodies(data: Any, bodies: list[str]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "articleBody" and isinstance(value, str):
                bodies.append(value)
            else:
                _collect_bodies(value, bodies)
    elif isinstance(data, list):
        for value in data:
            _collect_bodies(value, bodies)


def container_scores(blocks: Sequence[PageBlock]) -> Counter[Any]:
    """Readability's container score: each paragraph-like block credits its parent in full and
    its grandparent by half (1, a point a comma, a point a hundred characters up to three)."""
    scores: Counter[Any] = Counter()
    for block in blocks:
        if len(block.text) < 25:
            continue
        points = 1 + block.text.count(",") + min(len(block.text) // 100, 3)
        parent = block.element.getparent()
        if parent is not None:
            scores[parent] += points
            grandparent = parent.getparent()
            if grandparent is not None:
                scores[grandparent] += points / 2
    return scores


@dataclass(frozen=True, slots=True)
class PageView:
    """What the features of a page's blocks are read against."""

    blocks: list[PageBlock]
    trafilatura: str  # trafilatura's text, normalised
    ours: list[bool]  # whether each block is in the text the in-page layer kept
    other: str  # resiliparse's text
    declared: str  # the JSON-LD articleBody
    scores: Counter[Any]  # readability's container scores
    top: float  # the best container's score
    best: Any  # the best-scored container
    h1: int  # the first h1 block's index, -1 when none
    first: int  # the first and last of our blocks
    last: int


def page_view(page: PageLines, markup: str) -> PageView:
    """The page's blocks and the opinions on them, from one parse of ``markup``."""
    tree = load_html(markup)
    declared = declared_body(tree) if tree is not None else ""  # before the scripts go
    blocks = page_blocks(tree) if tree is not None else []
    kept = normalise(
        " ".join(b.text for b, r in zip(page.blocks, page.reasons, strict=True) if r is None)
    )
    ours = [b.text[:KEY] in kept for b in blocks]
    scores = container_scores(blocks)
    return PageView(
        blocks=blocks,
        trafilatura=normalise(" ".join(b.text for b in page.blocks)),
        ours=ours,
        other=" ".join(other_lines(page)),
        declared=declared,
        scores=scores,
        top=max(scores.values(), default=1) or 1,
        best=max(scores, key=lambda e: scores[e]) if scores else None,
        h1=next((i for i, b in enumerate(blocks) if b.element.tag == "h1"), -1),
        first=next((i for i, v in enumerate(ours) if v), len(blocks)),
        last=max((i for i, v in enumerate(ours) if v), default=-1),
    )


def block_row(view: PageView, i: int) -> list[float]:
    """The features of the page's ``i``-th block."""
    block, blocks = view.blocks[i], view.blocks
    chain = [block.element, *block.element.iterancestors()]
    words = " ".join(
        f"{a.get('class') or ''} {a.get('id') or ''} {a.get('itemprop') or ''}" for a in chain[:6]
    )
    tags = {a.tag for a in chain[:10]}
    text, key, tag = block.text, block.text[:KEY], block.element.tag
    return [
        math.log1p(len(text)),
        float(len(_WORD.findall(text))),
        block.linked,
        float(text.endswith(_SENTENCE_END)),
        sum(map(str.isdigit, text)) / len(text),
        text.count(",") / len(text),
        float(key in view.trafilatura),
        float(view.ours[i]),
        float(key in view.other),
        float(bool(view.declared) and key in view.declared),
        float(bool(view.declared)),
        *(float(tag in group) for group in TAG_GROUPS),
        float(bool(ASIDE.search(words))),
        float(bool(STORY.search(words))),
        float(len(ASIDE.findall(words))),
        *(float(bool(tags & group)) for group in ANCESTOR_GROUPS),
        float("articlebody" in words.lower()),
        float(len(chain)),
        i / len(blocks),
        float(view.h1 >= 0 and i > view.h1),
        float(i - view.h1 if view.h1 >= 0 else -999),
        float(i < view.first),
        float(i > view.last),
        float(min(abs(i - view.first), abs(i - view.last), 50)),
        math.log1p(len(blocks[i - 1].text)) if i else 0.0,
        math.log1p(len(blocks[i + 1].text)) if i + 1 < len(blocks) else 0.0,
        max((view.scores.get(a, 0) for a in chain[1:3]), default=0) / view.top,
        float(view.best is not None and any(a is view.best for a in chain)),
    ]


def main(argv: list[str] | None = None) -> None:
    """Cross-validate the block model and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workdir", type=Path, default=EVAL_DIR)
    args = parser.parse_args(argv)
    from sklearn.ensemble import HistGradientBoostingClassifier

    root = unpack(args.corpus, args.workdir)
    markup = {page.url: page.html for page in load_pages(root, None)}
    data = []
    for page in load(root):
        view = page_view(page, markup[page.url])
        texts = [b.text for b in view.blocks]
        rows = [block_row(view, i) for i in range(len(texts))]
        data.append((page, rows, texts, [label(page, t) for t in texts]))
    today, judged = Counts(), {t: Counts() for t in THRESHOLDS}
    for fold in range(FOLDS):
        x, y = fold_training([(d[0], d[1], d[3]) for d in data], fold)
        model = HistGradientBoostingClassifier(random_state=SEED, **PARAMS).fit(x, y)  # type: ignore[arg-type]
        for page, rows, texts, _ in (d for d in data if fold_of(d[0].site) == fold):
            today.add(
                page,
                " ".join(
                    b.text for b, r in zip(page.blocks, page.reasons, strict=True) if r is None
                ),
            )
            scores = model.predict_proba(rows)[:, 1] if rows else []
            for threshold, counts in judged.items():
                kept = (t for t, s in zip(texts, scores, strict=True) if s >= threshold)
                counts.add(page, " ".join(kept))
    print(f"site-grouped {FOLDS}-fold CV, {len(data)} pages, every block of the page judged")
    print(f"{'':<16}{'P / R / F1':<22}{'TP':>6}{'FP':>6}")
    print(f"{'today':<16}{today.row()}")
    for threshold, counts in judged.items():
        print(f"{f'keep at {threshold}':<16}{counts.row()}")


if __name__ == "__main__":
    main()
