"""Train the line model on the development corpus, cross-validate it by site, write the artifact.

Examples:
    .venv/bin/python benchmarks/lines/train.py --cv            # site-grouped 5-fold CV table
    .venv/bin/python benchmarks/lines/train.py --write          # train on all pages, ship it

Needs scikit-learn (``pip install -e '.[train]'``) and, for the resiliparse opinion, resiliparse
(``.[bench]``). Deterministic: folds come from a hash of each page's site, the trees from fixed
seeds. Only ``../shared/data/trafilatura-eval.tar.xz`` is used; see docs/line-model.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from archiver.extraction.regions import (  # noqa: E402
    FEATURES,
    MODEL_FILE,
    TreeModel,
    candidate_lines,
    declared_siblings,
    features,
    widen_with,
    worth_widening,
)
from archiver.extraction.teasers import kept_lines, plain, site_links, teaser_reasons  # noqa: E402
from archiver.extraction.trafilatura_internals import load_html  # noqa: E402
from benchmarks.corpus import CORPUS, EVAL_DIR, unpack  # noqa: E402
from benchmarks.extraction import load_pages, normalise  # noqa: E402
from benchmarks.lines.dataset import PageLines, load  # noqa: E402

ARTIFACT = REPO / "archiver" / "extraction" / "models" / MODEL_FILE
FOLDS = 5
SEED = 0
PARAMS = {"n_estimators": 100, "max_depth": 3, "learning_rate": 0.1, "subsample": 0.8}
THRESHOLD = 0.7  # the shipped model's; --nested picks one per fold instead
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
PINNED = REPO / "tests" / "data" / "regions-pinned.json"


@dataclass(slots=True)
class Counts:
    """Segment counts, as benchmarks/extraction.py scores them."""

    tp: int = 0
    fn: int = 0
    fp: int = 0

    def add(self, page: PageLines, text: str) -> None:
        """Score one page's text."""
        text = normalise(text)
        for segment in page.with_:
            if segment in text:
                self.tp += 1
            else:
                self.fn += 1
        self.fp += sum(segment in text for segment in page.without)

    def figures(self) -> tuple[float, float, float]:
        """Precision, recall, F1."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def row(self) -> str:
        """Precision / recall / F1 with the counts of true and false segments, for a table."""
        return f"{_fmt(self.figures())}      {self.tp:>6}{self.fp:>6}"


def label(page: PageLines, text: str) -> int | None:
    """1 for a line holding a ``with`` segment and no ``without`` one, 0 for the reverse, None
    for both or neither (most lines)."""
    wanted = any(s in text for s in page.with_)
    unwanted = any(s in text for s in page.without)
    return None if wanted == unwanted else int(wanted)


def fold_of(site: str) -> int:
    """A site's fold: a stable hash, so no site is on both sides of a split."""
    return int.from_bytes(hashlib.blake2b(site.encode(), digest_size=4).digest(), "big") % FOLDS


def fold_training(
    data: Sequence[tuple[PageLines, Sequence[list[float]], Sequence[int | None]]], fold: int
) -> tuple[list[list[float]], list[int]]:
    """The labelled rows of the pages outside ``fold`` (page, rows, labels): what its model
    learns from."""
    train = [(rows, labels) for page, rows, labels in data if fold_of(page.site) != fold]
    x = [r for rows, labels in train for r, y in zip(rows, labels, strict=True) if y is not None]
    return x, [y for _, labels in train for y in labels if y is not None]


def other_lines(page: PageLines) -> list[str]:
    """The second opinion's lines of a page, normalised as the package does."""
    return [
        line
        for line in (normalise(raw) for raw in page.opinions["resiliparse"].split("\n"))
        if line
    ]


@dataclass(slots=True)
class Prepared:
    """A page with its candidate lines' features and labels, computed once."""

    page: PageLines
    other: list[str]
    candidates: list[int]
    rows: list[list[float]]
    labels: list[int | None]
    siblings: dict[int, str]  # candidates in a twin of the body's container: join regardless
    links: frozenset[str]  # kept lines and candidates that link to another page of the site


def prepare(page: PageLines, markup: str) -> Prepared:
    """Candidates, features and labels of one page, as :func:`widen_with` computes them."""
    other = other_lines(page)
    ours = normalise(" ".join(block.text for block in page.blocks))
    candidates = candidate_lines(other, ours)
    rows = features(other, ours, candidates) if candidates else []
    found = [label(page, other[i]) for i in candidates]
    siblings = declared_siblings(markup, other, page.blocks, page.reasons)
    tree = load_html(markup)
    lines = kept_lines(page.blocks, page.reasons) | {plain(other[i]) for i in candidates}
    links = site_links(tree, page.url, lines) if tree is not None else frozenset()
    return Prepared(page, other, candidates, rows, found, siblings, links)


def fit(prepared: Sequence[Prepared], threshold: float) -> TreeModel:
    """A boosted ensemble over the labelled candidates, exported as the package reads it."""
    from sklearn.ensemble import GradientBoostingClassifier

    x = [row for p in prepared for row, y in zip(p.rows, p.labels, strict=True) if y is not None]
    y = [y for p in prepared for y in p.labels if y is not None]
    booster = GradientBoostingClassifier(random_state=SEED, **PARAMS)  # type: ignore[arg-type]
    booster.fit(x, y)
    trees = []
    for (estimator,) in booster.estimators_:
        tree = estimator.tree_
        trees.append(
            (
                [
                    int(f) if left >= 0 else -1
                    for f, left in zip(tree.feature, tree.children_left, strict=True)
                ],
                [float(t) for t in tree.threshold],
                [int(c) for c in tree.children_left],
                [int(c) for c in tree.children_right],
                [float(v) * PARAMS["learning_rate"] for v in tree.value[:, 0, 0]],
            )
        )
    base = float(booster._raw_predict_init(x[:1])[0, 0])
    model = TreeModel(FEATURES, base, tuple(trees), threshold)
    theirs = booster.predict_proba(x[:2000])[:, 1]
    drift = max(abs(a - b) for a, b in zip(model.probabilities(x[:2000]), theirs, strict=True))
    assert drift < 1e-9, f"the exported trees disagree with scikit-learn's by {drift}"
    return model


def score(prepared: Sequence[Prepared], model: TreeModel | None) -> Counts:
    """Segment counts over ``prepared``: today's pipeline (model None), or ours: widened by
    ``model``, teasers dropped."""
    counts = Counts()
    for p in prepared:
        page = p.page
        blocks, reasons = page.blocks, page.reasons
        if model is not None and worth_widening(p.page.markup_chars, blocks):
            widened = widen_with(model, p.other, blocks, reasons, None, p.siblings)
            blocks, reasons = widened.blocks, widened.reasons
        if model is not None:
            reasons = teaser_reasons(blocks, reasons, p.links)
        counts.add(
            page, " ".join(b.text for b, r in zip(blocks, reasons, strict=True) if r is None)
        )
    return counts


def pick_threshold(prepared: Sequence[Prepared]) -> float:
    """The threshold with the best F1 on ``prepared``, each fold scored by a model trained
    without it (the inner loop of a nested cross-validation)."""
    folds = sorted({fold_of(p.page.site) for p in prepared})
    models = {f: fit([p for p in prepared if fold_of(p.page.site) != f], 0.5) for f in folds}
    best = (-1.0, 0.5)
    for threshold in THRESHOLDS:
        counts = Counts()
        for f, model in models.items():
            held = [p for p in prepared if fold_of(p.page.site) == f]
            part = score(held, replace(model, threshold=threshold))
            counts.tp, counts.fn, counts.fp = (
                counts.tp + part.tp,
                counts.fn + part.fn,
                counts.fp + part.fp,
            )
        best = max(best, (counts.figures()[2], threshold))
    return best[1]


def cross_validate(prepared: Sequence[Prepared], nested: bool) -> None:
    """Print each fold and the mean: today's pipeline beside ours, on unseen sites."""
    print(f"site-grouped {FOLDS}-fold CV, {len(prepared)} pages")
    print(f"{'fold':<6}{'pages':>6}  {'today P / R / F1':<22}  {'ours P / R / F1':<22}  threshold")
    sums = [[0.0] * 3, [0.0] * 3]
    pooled = [Counts(), Counts()]
    for fold in range(FOLDS):
        test = [p for p in prepared if fold_of(p.page.site) == fold]
        train = [p for p in prepared if fold_of(p.page.site) != fold]
        threshold = pick_threshold(train) if nested else THRESHOLD
        model = fit(train, threshold)
        counts = score(test, None), score(test, model)
        for total, pool, part in zip(sums, pooled, counts, strict=True):
            pool.tp, pool.fn, pool.fp = pool.tp + part.tp, pool.fn + part.fn, pool.fp + part.fp
            for i, value in enumerate(part.figures()):
                total[i] += value / FOLDS
        today, ours = (c.figures() for c in counts)
        print(
            f"{fold:<6}{len(test):>6}  {_fmt(today):<22}  {_fmt(ours):<22}  {threshold}", flush=True
        )
    print(f"{'mean':<6}{len(prepared):>6}  {_fmt(sums[0]):<22}  {_fmt(sums[1]):<22}")
    print(
        f"{'pooled':<6}{len(prepared):>6}  {_fmt(pooled[0].figures()):<22}"
        f"  {_fmt(pooled[1].figures()):<22}"
    )


def _fmt(figures: Sequence[float]) -> str:
    return " / ".join(f"{v:.3f}" for v in figures)


def write(prepared: Sequence[Prepared], threshold: float, path: Path) -> None:
    """Train on every page and write the artifact, and the pinned rows tests check it with."""
    model = fit(prepared, threshold)
    trees = [
        {"feature": f, "threshold": t, "left": left, "right": right, "value": v}
        for f, t, left, right, v in model.trees
    ]
    data = {
        "features": list(FEATURES),
        "base": model.base,
        "threshold": threshold,
        "params": PARAMS,
        "seed": SEED,
        "trees": trees,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    figures = score(prepared, model).figures()
    print(
        f"wrote {path} ({path.stat().st_size:,} bytes);"
        f" on the pages it learned from: {_fmt(figures)}"
    )
    pinned = []
    for p in [p for p in prepared if p.rows][::80][:12]:  # a dozen pages across the corpus
        rows = p.rows[:10]
        probabilities = model.probabilities(rows)
        verdicts = [q >= threshold for q in probabilities]
        pinned.append(
            {"url": p.page.url, "rows": rows, "probabilities": probabilities, "added": verdicts}
        )
    PINNED.write_text(json.dumps(pinned, indent=0) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line; cross-validate and/or write the model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workdir", type=Path, default=EVAL_DIR)
    parser.add_argument("--cv", action="store_true", help="print the site-grouped CV table")
    parser.add_argument("--write", action="store_true", help=f"write {ARTIFACT.name}")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="for --write")
    parser.add_argument(
        "--nested", action="store_true", help="pick each fold's threshold by inner CV"
    )
    parser.add_argument("--rebuild", action="store_true", help="extract the corpus again")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    root = unpack(args.corpus, args.workdir)
    pages = load(root, rebuild=args.rebuild)
    markup = {page.url: page.html for page in load_pages(root, None)}
    prepared = [prepare(page, markup.pop(page.url)) for page in pages]
    if args.cv:
        cross_validate(prepared, args.nested)
    if args.write:
        write(prepared, args.threshold, ARTIFACT)
    print(f"{time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
