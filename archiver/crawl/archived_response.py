"""A response read back from the WARC files, handed to Scrapy as if it had just been downloaded.

Resume answers a job's archived URLs this way, and recrawl a ``304 Not Modified``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from storage.errors import ArchiveError
from storage.warcread import StoredResponse, read_response

log = logging.getLogger(__name__)


def read_archived(warc_dir: Path, filename: str, offset: int, url: str) -> StoredResponse | None:
    """The record at ``offset`` of ``filename``; ``None`` (and a warning) when it cannot be read."""
    try:
        return read_response(warc_dir / filename, offset)
    except (ArchiveError, OSError) as exc:
        log.warning("cannot read the archived copy of %s: %s", url, exc)
        return None


def archived_response(
    stored: StoredResponse,
    url: str,
    status: int,
    *,
    decoded: bool,
    flags: Sequence[str] = (),
) -> Response:
    """``stored`` as a Scrapy response of the type its headers and body call for.

    ``decoded``: with its Content-Encoding undone, as the spider sees a page; otherwise as it
    came off the wire, as the downloader middlewares after this one expect it. Repeated headers
    (Set-Cookie, Link) all survive.
    """
    values: dict[str, list[str]] = {}
    for name, value in stored.headers:
        if not (decoded and name.lower() == "content-encoding"):
            values.setdefault(name, []).append(value)
    headers = Headers(values)
    body = stored.body if decoded else stored.raw_body
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body, flags=list(flags))
