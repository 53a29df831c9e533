"""The region stage: the shipped model, and pages whose article trafilatura alone gets wrong."""

from __future__ import annotations

import json
import time
from pathlib import Path

from archiver.extraction.regions import FEATURES, MODEL_FILE, TreeModel, shipped_model
from tests.conftest import REPO

PINNED = REPO / "tests" / "data" / "regions-pinned.json"
ARTIFACT = REPO / "archiver" / "extraction" / "models" / MODEL_FILE


def test_the_model_ships_in_the_package_as_small_plain_json() -> None:
    assert ARTIFACT.stat().st_size < 5_000_000
    data = json.loads(ARTIFACT.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert len(data["trees"]) == data["params"]["n_estimators"]
    start = time.perf_counter()
    model = TreeModel.from_json(data)
    assert time.perf_counter() - start < 2.0
    assert shipped_model() == model


def test_the_shipped_model_gives_the_verdicts_it_gave_in_training() -> None:
    """A dozen corpus pages' candidate lines, as benchmarks/lines/train.py scored them."""
    model = shipped_model()
    assert model is not None
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert len(pinned) == 12
    added = 0
    for page in pinned:
        probabilities = model.probabilities(page["rows"])
        for mine, theirs in zip(probabilities, page["probabilities"], strict=True):
            assert abs(mine - theirs) < 1e-9, page["url"]
        verdicts = [p >= model.threshold for p in probabilities]
        assert verdicts == page["added"], page["url"]
        added += sum(verdicts)
    assert 0 < added < sum(len(page["rows"]) for page in pinned)  # both verdicts pinned
