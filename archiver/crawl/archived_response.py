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
from storage.warcread import read_response

log = logging.getLogger(__name__)


def archived_response(
    warc_dir: Path,
    filename: str,
    offset: int,
    url: str,
    status: int,
    *,
    decoded: bool,
    response_class: type[Response] | None = None,
    flags: Sequence[str] = (),
) -> Response | None:
    """The record at ``offset`` of ``filename`` as a Scrapy response; ``None`` if unreadable.

    ``decoded``: with its Content-Encoding undone, as the spider sees a page; otherwise as it
    came off the wire, as the downloader middlewares after this one expect it. The class is
    ``response_class``, or the one its headers and body call for. Repeated headers (Set-Cookie,
    Link) all survive.
    """
    try:
        stored = read_response(warc_dir / filename, offset)
    except (ArchiveError, OSError) as exc:
        log.warning("cannot read the archived copy of %s: %s", url, exc)
        return None
    values: dict[str, list[str]] = {}
    for name, value in stored.headers:
        if not (decoded and name.lower() == "content-encoding"):
            values.setdefault(name, []).append(value)
    headers = Headers(values)
    body = stored.body if decoded else stored.raw_body
    cls = response_class or responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body, flags=list(flags))
