"""The development corpus the benchmarks read: trafilatura's evaluation pages, unpacked once.

The archive lives beside the repository (``../shared/data/trafilatura-eval.tar.xz``); each
benchmark unpacks it into ``.eval/`` (or the folder it is given) unless it is there already.
"""

from __future__ import annotations

import argparse
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "trafilatura-eval.tar.xz"
EVAL_DIR = REPO / ".eval"


def unpack(corpus: Path, workdir: Path) -> Path:
    """Unpack ``corpus`` into ``workdir`` unless it is there already; return ``workdir``."""
    if not (workdir / "evaldata.json").exists():
        workdir.mkdir(parents=True, exist_ok=True)
        with tarfile.open(corpus) as archive:
            archive.extractall(workdir, filter="data")
    return workdir


def add_corpus_options(parser: argparse.ArgumentParser) -> None:
    """``--corpus`` and ``--eval-dir``, as the crawl and search benchmarks take them."""
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="trafilatura-eval.tar.xz")
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="unpacked corpus")
