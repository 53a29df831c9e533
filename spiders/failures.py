"""Name why a request failed, in the few words the crawl summary lists."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

TOO_LARGE = "too large"
TOO_LARGE_INFLATED = "too large when decompressed"
REDIRECT_LOOP = "redirect loop"
TOO_MANY_REDIRECTS = "too many redirects"


def failure_kind(failure: Failure) -> str | None:
    """A short name for why a request failed; ``None`` for requests deliberately not made."""
    error = failure.value
    request = getattr(failure, "request", None)
    if isinstance(error, HttpError):
        status = error.response.status
        return None if status == 304 else f"http {status}"  # 304: asked "changed?", got "no"
    if isinstance(error, IgnoreRequest):
        return _ignored(str(error), request)
    if isinstance(error, DownloadCancelledError):
        # Scrapy cancels a download only for DOWNLOAD_MAXSIZE: a Content-Length above it (with
        # a message), or a body that passed it while arriving (Twisted's bare cancel).
        return TOO_LARGE
    name = type(error).__name__
    return name.removeprefix("Download") if name.startswith("Download") else name


def _ignored(message: str, request: Request | None) -> str | None:
    if message.startswith("redirect loop"):
        return REDIRECT_LOOP
    if "max redirections" in message:
        return REDIRECT_LOOP if request is not None and _loops(request) else TOO_MANY_REDIRECTS
    if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: a body that inflates too far
        return TOO_LARGE_INFLATED
    return None


def _loops(request: Request) -> bool:
    chain = [*request.meta.get("redirect_urls", []), request.url]
    return len(set(chain)) < len(chain)
