"""An experiment that did not help: a model that drops lines trafilatura kept, cross-validated.

The region stage only adds lines; the corpus's false positives sit in lines trafilatura itself
selected and the in-page layer kept. This scores, under the same site-grouped 5-fold split as
``train.py``, a boosted tree model over those lines (label 1: a ``without`` segment and no
``with`` one) from text features (shape, the in-page layer's scores, place in the article,
vocabulary shared with the rest, resiliparse's agreement) and, with ``--dom``, the line's place
in the page's markup (link density, class and id words, aside/footer/nav/list ancestors, depth,
distance from the container of the article's long lines). With ``--wording`` the judge is a
classifier of the lines' words instead (character 2-5-grams, logistic regression), trained on the
other folds' ``with`` and ``without`` segments themselves. With ``--all`` one boosted model takes
every signal together: the text and markup features, the wording classifier's score (learned
without the line's own fold, nested), and the same for the line before and the line after. It
prints precision / recall / F1 of the article text with the lines it drops, at several
thresholds, beside today's.

Examples:
    .venv/bin/python benchmarks/lines/narrowing.py --dom
    .venv/bin/python benchmarks/lines/narrowing.py --wording
    .venv/bin/python benchmarks/lines/narrowing.py --all
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction.cleaning import Block, bio_score, pitch_score  # noqa: E402
from archiver.extraction.regions import _DATE, _SENTENCE_END, _WORD, normalise  # noqa: E402
from archiver.extraction.trafilatura_internals import load_html  # noqa: E402
from benchmarks.corpus import CORPUS, EVAL_DIR, unpack  # noqa: E402
from benchmarks.extraction import load_pages  # noqa: E402
from benchmarks.lines.dataset import PageLines, load  # noqa: E402
from benchmarks.lines.train import (  # noqa: E402
    FOLDS,
    SEED,
    Counts,
    fold_of,
    fold_training,
    label,
    other_lines,
)

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
PARAMS = {"n_estimators": 150, "max_depth": 3, "learning_rate": 0.1, "subsample": 0.8}
TAGS = ("p", "head", "item", "cell", "quote", "code")
ASIDE = re.compile(
    r"relat|teaser|promo|newsletter|author|footer|social|share|comment|byline|caption|credit"
    r"|breadcrumb|widget|sidebar|aside|nav|recommend|subscribe|advert|sponsor|popular|menu",
    re.I,
)
STORY = re.compile(r"article|content|body|story|post|entry|text|main|prose", re.I)
TEXT_FEATURES = 16 + len(TAGS)  # a text row's length; the markup features follow
DOM_FEATURES = 12
# what --all also reads of the lines before and after: length, sentence end, link share, aside
NEIGHBOUR_FEATURES = (0, 2, TEXT_FEATURES + 1, TEXT_FEATURES + 2)
# a page, its kept lines, their rows and labels; what scores the lines of a held-out fold
Prepared = tuple[PageLines, list[Block], list[list[float]], list[int | None]]
Judge = Callable[[Sequence[Block], Sequence[list[float]]], Sequence[float]]


def text_rows(kept: Sequence[Block], other: str) -> list[list[float]]:
    """Features of each kept line from its text and its place among the article's lines."""
    texts = [normalise(b.text) for b in kept]
    n = len(texts)
    long = [i for i, t in enumerate(texts) if len(t) >= 100]
    first, last = (long[0], long[-1]) if long else (n, -1)
    total = sum(map(len, texts)) or 1
    vocabulary = Counter(w for t in texts for w in {w.lower() for w in _WORD.findall(t)})
    rows = []
    for i, (block, t) in enumerate(zip(kept, texts, strict=True)):
        words = _WORD.findall(t)
        own = {w.lower() for w in words if len(w) >= 5}
        rows.append(
            [
                math.log1p(len(t)),
                float(len(words)),
                float(t.endswith(_SENTENCE_END)),
                sum(map(str.isdigit, t)) / (len(t) or 1),
                bio_score(t),
                pitch_score(t),
                float(_DATE.search(t) is not None),
                i / n,
                float(min(i, 10)),
                float(min(n - 1 - i, 10)),
                float(t in other),
                float(i < first),
                float(i > last),
                math.log1p(total),
                len(t) / total,
                sum(vocabulary[w] > 1 for w in own) / len(own) if own else 0.0,
                *(float(block.tag == tag) for tag in TAGS),
            ]
        )
    return rows


def dom_rows(markup: str, texts: Sequence[str]) -> list[list[float]]:
    """Features of each kept line from the element it stands in (-1 when none is found)."""
    tree = load_html(markup)
    if tree is None:
        return [[-1.0] * DOM_FEATURES for _ in texts]
    owners: dict[str, Any] = {}
    for text in tree.xpath("//body//text()[string-length(normalize-space()) >= 6]"):
        element = text.getparent() if text.is_text else text.getparent().getparent()
        owners.setdefault(" ".join(text.split())[:20], element)
    elements = [owners.get(t.lstrip("-|• ")[:20]) for t in texts]
    body = _common_ancestor(
        [e for e, t in zip(elements, texts, strict=True) if e is not None and len(t) >= 100]
    )
    return [_dom_row(e, body) for e in elements]


def _dom_row(element: Any, body: Any) -> list[float]:
    if element is None:
        return [-1.0] * DOM_FEATURES
    chain = [element, *element.iterancestors()]
    words = " ".join(f"{a.get('class') or ''} {a.get('id') or ''}" for a in chain[:6])
    tags = {a.tag for a in chain[:8]}
    text = len(" ".join(element.text_content().split())) or 1
    linked = sum(len(" ".join(a.text_content().split())) for a in element.iter("a"))
    up = next((k for k, a in enumerate(chain) if body is not None and a is body), len(chain))
    return [
        1.0,
        min(linked / text, 1.0),
        float(bool(ASIDE.search(words))),
        float(bool(STORY.search(words))),
        float(len(ASIDE.findall(words))),
        float("aside" in tags or "footer" in tags),
        float("nav" in tags or "header" in tags),
        float("li" in tags),
        float("article" in tags),
        float(element.tag in ("h1", "h2", "h3", "h4", "h5", "h6")),
        float(up),
        float(len(chain)),
    ]


def _common_ancestor(elements: Sequence[Any]) -> Any:
    if not elements:
        return None
    chains = [list(reversed([e, *e.iterancestors()])) for e in elements]
    common = None
    for level in zip(*chains, strict=False):
        if any(x is not level[0] for x in level):
            break
        common = level[0]
    return common


def main(argv: list[str] | None = None) -> None:
    """Cross-validate the dropping model and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workdir", type=Path, default=EVAL_DIR)
    parser.add_argument("--dom", action="store_true", help="add the markup features")
    parser.add_argument("--wording", action="store_true", help="judge lines by their words")
    parser.add_argument("--all", action="store_true", help="every signal in one model")
    args = parser.parse_args(argv)

    features, learn = (
        ("every", _combined)
        if args.all
        else ("wording", lambda data, fold: _wording(data, {fold}))
        if args.wording
        else ("text and markup" if args.dom else "text", _boosted)
    )
    root = unpack(args.corpus, args.workdir)
    dom = args.dom or args.all
    markup = {page.url: page.html for page in load_pages(root, None)} if dom else {}
    data = [_prepared(page, markup.get(page.url)) for page in load(root)]
    today, dropped = Counts(), {t: Counts() for t in THRESHOLDS}
    for fold in range(FOLDS):
        judge = learn(data, fold)
        for page, kept, rows, _ in (d for d in data if fold_of(d[0].site) == fold):
            today.add(page, " ".join(b.text for b in kept))
            scores = judge(kept, rows) if rows else []
            for threshold, counts in dropped.items():
                counts.add(
                    page,
                    " ".join(b.text for b, s in zip(kept, scores, strict=False) if s < threshold)
                    if rows
                    else "",
                )
    print(f"site-grouped {FOLDS}-fold CV, {len(data)} pages, {features} features")
    print(f"{'':<16}{'P / R / F1':<22}{'TP':>6}{'FP':>6}")
    print(f"{'today':<16}{today.row()}")
    for threshold, counts in dropped.items():
        print(f"{f'drop at {threshold}':<16}{counts.row()}")


def _boosted(data: Sequence[Prepared], fold: int) -> Judge:
    """The boosted model over the line features, trained outside ``fold``."""
    from sklearn.ensemble import GradientBoostingClassifier

    x, y = fold_training([(d[0], d[2], d[3]) for d in data], fold)
    model = GradientBoostingClassifier(random_state=SEED, **PARAMS).fit(x, y)  # type: ignore[arg-type]
    return lambda kept, rows: list(model.predict_proba(rows)[:, 1])


def _wording(data: Sequence[Prepared], held: set[int]) -> Judge:
    """A classifier of words, learned from the segments of the pages outside the ``held`` folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = [d[0] for d in data if fold_of(d[0].site) not in held]
    wanted = [s for page in train for s in page.with_]
    unwanted = [s for page in train for s in page.without]
    words = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    model = LogisticRegression(max_iter=2000, random_state=SEED)
    model.fit(words.fit_transform(wanted + unwanted), [0] * len(wanted) + [1] * len(unwanted))
    return lambda kept, rows: list(
        model.predict_proba(words.transform([normalise(b.text) for b in kept]))[:, 1]
    )


def _combined(data: Sequence[Prepared], fold: int) -> Judge:
    """One boosted model over every signal, trained outside ``fold``: a training page's wording
    scores come from a classifier that saw neither ``fold`` nor the page's own fold."""
    from sklearn.ensemble import GradientBoostingClassifier

    inner = {g: _wording(data, {fold, g}) for g in range(FOLDS) if g != fold}
    training = [
        (page, _in_context(rows, inner[fold_of(page.site)](kept, rows)), labels)
        for page, kept, rows, labels in data
        if rows and fold_of(page.site) != fold
    ]
    x, y = fold_training(training, fold)
    model = GradientBoostingClassifier(random_state=SEED, **PARAMS).fit(x, y)  # type: ignore[arg-type]
    wording = _wording(data, {fold})
    return lambda kept, rows: list(
        model.predict_proba(_in_context(rows, wording(kept, rows)))[:, 1]
    )


def _in_context(rows: Sequence[list[float]], wording: Sequence[float]) -> list[list[float]]:
    """Each row with its wording score, and the neighbour features and wording score of the
    lines before and after it (-1 at the article's ends)."""
    n = len(rows)
    extended = []
    for i, row in enumerate(rows):
        context = [wording[i]]
        for j in (i - 1, i + 1):
            inside = 0 <= j < n
            context += [rows[j][k] if inside else -1.0 for k in NEIGHBOUR_FEATURES]
            context.append(wording[j] if inside else -1.0)
        extended.append([*row, *context])
    return extended


def _prepared(page: PageLines, markup: str | None) -> Prepared:
    kept = [b for b, r in zip(page.blocks, page.reasons, strict=True) if r is None]
    rows = text_rows(kept, " ".join(other_lines(page))) if kept else []
    if markup is not None and kept:
        rows = [
            a + b
            for a, b in zip(rows, dom_rows(markup, [normalise(b.text) for b in kept]), strict=True)
        ]
    found = (label(page, normalise(block.text)) for block in kept)
    return page, kept, rows, [None if y is None else 1 - y for y in found]  # 1: boilerplate


if __name__ == "__main__":
    main()
