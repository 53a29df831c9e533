"""Run inside an extraction worker by tests: imports nothing of its own, so reports truly."""

from __future__ import annotations

import sys

HEAVY = ("scrapy", "twisted", "click", "rich")


def heavy_modules() -> list[str]:
    """The crawl-side packages this process has imported."""
    return [name for name in HEAVY if name in sys.modules]
