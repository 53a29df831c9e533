"""The ``articles.extracted`` column: trafilatura's blocks and the in-page verdicts, as JSON.

Written when an article is stored and read whenever cleaning runs again without the HTML
(``reclean``, the site layer): one encoder and one decoder, so the two can never drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.rows import ImageRow


@dataclass(frozen=True, slots=True)
class ExtractedBlocks:
    """One article's blocks as ``[text, tag]`` pairs, and whether in-page cleaning kept each.

    ``reasons`` says why cleaning dropped each block (None for a kept one); it is None as a
    whole for a row stored before the column held reasons.
    """

    blocks: tuple[tuple[str, ...], ...]
    kept: tuple[bool, ...]
    reasons: tuple[str | None, ...] | None = None
    images: tuple[ImageRow, ...] = ()

    @property
    def texts(self) -> list[str]:
        """The blocks' text alone, in page order."""
        return [block[0] for block in self.blocks]


def encode_extracted(
    blocks: Iterable[Sequence[str]],
    kept: Iterable[bool],
    reasons: Iterable[str | None] | None = None,
    images: Sequence[ImageRow] = (),
) -> str:
    """The column's JSON, compact: ``{"blocks": [[text, tag], ...], "kept": [true, ...]}``, and
    ``"reasons": [null, "appeal", ...]`` (why each dropped block went) when ``reasons`` is given,
    ``"images": [[src, alt, caption, credit, width, height], ...]`` when the body shows any.
    """
    payload: dict[str, object] = {"blocks": [list(block) for block in blocks], "kept": list(kept)}
    if reasons is not None:
        payload["reasons"] = list(reasons)
    if images:  # kept here so a changed image makes a changed article, and merges carry them
        payload["images"] = [image.to_list() for image in images]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def decode_extracted(extracted: str) -> ExtractedBlocks:
    """Read the column's JSON back; a row without reasons reads with ``reasons`` None."""
    data = json.loads(extracted)
    blocks = tuple(tuple(str(part) for part in block) for block in data["blocks"])
    kept = tuple(bool(flag) for flag in data["kept"])
    stored = data.get("reasons")
    reasons = None if stored is None else tuple(None if r is None else str(r) for r in stored)
    images = tuple(ImageRow(*image) for image in data.get("images", ()))
    return ExtractedBlocks(blocks, kept, reasons, images)
