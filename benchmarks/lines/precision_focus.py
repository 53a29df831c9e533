"""An experiment that did not help: trafilatura in precision focus as the region stage's base.

trafilatura's ``favor_precision`` keeps less around the article (0.924 precision against 0.907
on the corpus, for 0.919 recall against 0.945). This runs ``train.py --cv`` with that focus for
every page: the dataset is extracted again with it (cached apart, in
``.cache/lines-dataset-precision.json``), and each fold's widening model learns from it, so the
region stage may win back what the narrower base leaves out.

Example:
    .venv/bin/python benchmarks/lines/precision_focus.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from trafilatura.settings import Extractor  # noqa: E402

import archiver.extraction.trafilatura_internals as internals  # noqa: E402
from benchmarks.lines import dataset, train  # noqa: E402


def _precise(**options: Any) -> Extractor:
    return Extractor(**options, precision=True)


def main() -> None:
    """Cross-validate the region stage over trafilatura's precision focus."""
    internals.Extractor = _precise  # type: ignore[assignment,misc]  # an experiment's switch
    dataset.CACHE = dataset.CACHE.with_name("lines-dataset-precision.json")
    train.main(["--cv"] + ([] if dataset.CACHE.exists() else ["--rebuild"]))


if __name__ == "__main__":
    main()
