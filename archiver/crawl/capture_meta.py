"""What the crawl's components tell the spider about a response, carried in ``request.meta``.

WARC capture, resume and recrawl write it; the spider reads it into each page's item. The keys
are written and read only here.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

_ID = "capture_id"  # captures.id of the response's WARC record
_FETCHED_AT = "capture_fetched_at"  # its WARC-Date
_REVISIT = "capture_revisit"  # True: nothing new to extract (a revisit, or 304 Not Modified)
_ARCHIVED = "archived"  # True: answered from the job's WARC files, not the network
_PROCESSED = "archived_processed"  # True: that page was already extracted and stored


@dataclass(frozen=True, slots=True)
class CaptureMeta:
    """Where a response was archived, and whether its page still needs extracting."""

    capture_id: int | None = None
    fetched_at: str | None = None
    revisit: bool = False
    archived: bool = False
    archived_processed: bool = False

    @classmethod
    def of(cls, meta: Mapping[str, Any]) -> CaptureMeta:
        """Read what the components wrote into a request's or response's meta."""
        return cls(
            capture_id=meta.get(_ID),
            fetched_at=meta.get(_FETCHED_AT),
            revisit=bool(meta.get(_REVISIT)),
            archived=bool(meta.get(_ARCHIVED)),
            archived_processed=bool(meta.get(_PROCESSED)),
        )

    @property
    def already_stored(self) -> bool:
        """Answered from the job's WARC files, and its page was extracted in the earlier run."""
        return self.archived and self.archived_processed


def record_capture(meta: MutableMapping[str, Any], capture_id: int, fetched_at: str) -> None:
    """The response was written to WARC as ``capture_id`` at ``fetched_at``."""
    meta[_ID] = capture_id
    meta[_FETCHED_AT] = fetched_at


def record_revisit(meta: MutableMapping[str, Any], revisit: bool = True) -> None:
    """Whether the response holds nothing new to extract."""
    meta[_REVISIT] = revisit


def record_archived(meta: MutableMapping[str, Any], processed: bool) -> None:
    """The response came from the job's WARC files; ``processed``: its page is stored already."""
    meta[_ARCHIVED] = True
    meta[_PROCESSED] = processed


_RENDERING = "archiver_rendering"  # the page's PageRecorder: this request renders it in a browser


def record_rendering(meta: MutableMapping[str, Any], recorder: object) -> None:
    """The request renders an archived page in the browser, recorded by ``recorder``."""
    meta[_RENDERING] = recorder


def recorder_of(meta: Mapping[str, Any]) -> object | None:
    """The recorder of a rendering request; ``None`` for any other request."""
    return meta.get(_RENDERING)


def is_rendering(meta: Mapping[str, Any]) -> bool:
    """Whether the request renders a page already archived (its bytes are not a new capture)."""
    return meta.get(_RENDERING) is not None
