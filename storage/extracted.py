"""The ``articles.extracted`` column: trafilatura's blocks and the in-page verdicts, as JSON.

Written when an article is stored and read whenever cleaning runs again without the HTML
(``reclean``, the site layer): one encoder and one decoder, so the two can never drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExtractedBlocks:
    """One article's blocks as ``[text, tag]`` pairs, and whether in-page cleaning kept each."""

    blocks: tuple[tuple[str, ...], ...]
    kept: tuple[bool, ...]

    @property
    def texts(self) -> list[str]:
        """The blocks' text alone, in page order."""
        return [block[0] for block in self.blocks]


def encode_extracted(blocks: Iterable[Sequence[str]], kept: Iterable[bool]) -> str:
    """The column's JSON: ``{"blocks": [[text, tag], ...], "kept": [true, ...]}``, compact."""
    payload = {"blocks": [list(block) for block in blocks], "kept": list(kept)}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def decode_extracted(extracted: str) -> ExtractedBlocks:
    """Read the column's JSON back."""
    data = json.loads(extracted)
    blocks = tuple(tuple(str(part) for part in block) for block in data["blocks"])
    return ExtractedBlocks(blocks, tuple(bool(flag) for flag in data["kept"]))
