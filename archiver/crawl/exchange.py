"""Copy a Scrapy request/response pair into the storage layer's :class:`HttpExchange`."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import Headers, Request, Response

from storage.warc import HttpExchange


def exchange_from(response: Response, request: Request) -> HttpExchange:
    """Snapshot headers and body now: later middlewares decode the body and mutate headers."""
    return HttpExchange(
        url=response.url,
        status=response.status,
        response_headers=header_pairs(response.headers),
        body=bytes(response.body),
        method=request.method,
        request_headers=header_pairs(request.headers),
        request_body=bytes(request.body or b""),
        protocol=_protocol(response.protocol),
        ip_address=str(response.ip_address) if response.ip_address else None,
        fetched_at=datetime.now(UTC),
    )


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Every header value, repeated headers included, as latin-1 text."""
    pairs: list[tuple[str, str]] = []
    for name in headers:
        key = _text(name)
        pairs.extend((key, _text(value)) for value in headers.getlist(name))
    return pairs


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _protocol(value: str | None) -> str:
    # Twisted reports "HTTP/1.1"; the HTTP/2 handler reports "h2".
    if not value:
        return "HTTP/1.1"
    return "HTTP/2" if value.lower() in {"h2", "http/2", "http/2.0"} else value.upper()
