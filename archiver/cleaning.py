"""In-page boilerplate layer: drop blocks that are calls to action, not reporting."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Block:
    """One line of trafilatura's text output: a paragraph, heading, list item or quote."""

    text: str

    def to_list(self) -> list[str]:
        """A JSON-friendly form."""
        return [self.text]

    @classmethod
    def from_list(cls, value: list[str]) -> Block:
        """Inverse of :meth:`to_list`."""
        return cls(value[0])


def clean_blocks(blocks: list[Block], language: str | None = None) -> list[Block]:
    """Return the blocks that are reporting, in order."""
    return blocks
