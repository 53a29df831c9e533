"""The ``article_images`` table: each article's body images, linked by URL to their captures.

An image row names the capture of the image itself, whichever arrived first: a capture of the
image stored before the article is found when the article's images are written; one stored
after fills the rows that name its URL and have no capture yet. Either way it is the earliest
``200`` response archived for that URL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from storage.rows import CaptureRow, ImageRow

_EARLIEST_CAPTURE = (
    "SELECT min(id) FROM captures WHERE url = {src} AND record_type = 'response' AND status = 200"
)


class ArticleImages:
    """Write each article's images and link them to the captures of the images."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def replace(self, article_id: int, images: Sequence[ImageRow]) -> None:
        """Make ``images`` the article's images, in order, each linked to its capture."""
        self.db.execute("DELETE FROM article_images WHERE article_id = ?", [article_id])
        for position, image in enumerate(images):
            self.db.execute(
                "INSERT INTO article_images (article_id, position, src, alt, caption, credit,"
                " width, height, capture_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                f" ({_EARLIEST_CAPTURE.format(src='?')}))",
                [article_id, position, *image.to_list(), image.src],
            )

    def link(self, capture_id: int, row: CaptureRow) -> None:
        """Link the images of ``row``'s URL that have no capture yet to this new capture."""
        if row.record_type == "response" and row.status == 200:
            self.db.execute(
                "UPDATE article_images SET capture_id = ? WHERE src = ? AND capture_id IS NULL",
                [capture_id, row.url],
            )

    def link_missing(self) -> int:
        """Link every image without a capture to one of its URL archived since; count them."""
        cursor = self.db.execute(
            "UPDATE article_images SET capture_id ="
            f" ({_EARLIEST_CAPTURE.format(src='article_images.src')})"
            " WHERE capture_id IS NULL AND EXISTS (SELECT 1 FROM captures WHERE url = src"
            " AND record_type = 'response' AND status = 200)"
        )
        return int(cursor.rowcount)
