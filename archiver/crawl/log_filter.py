"""Network failures logged as one line each, without a traceback."""

from __future__ import annotations

import logging
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectError as TwistedConnectError
from twisted.internet.error import TimeoutError as TwistedTimeoutError


class QuietNetworkErrors:
    """Log network failures as one line: a refused connection or timeout is news, not a bug."""

    def __init__(self) -> None:
        self.filter = _DropNetworkTracebacks()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls()
        # Scrapy replaces its root handler after building extensions, so attach on open.
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        for handler in logging.getLogger().handlers:
            handler.addFilter(self.filter)

    def spider_closed(self) -> None:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self.filter)


class _DropNetworkTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and _is_network_error(exc):
            record.exc_info = None
            record.exc_text = None
        return True


_NETWORK_ERRORS = (
    TwistedConnectError,
    TwistedTimeoutError,
    ConnectionError,
    TimeoutError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    DownloadFailedError,
    DownloadCancelledError,
    CannotResolveHostError,
    ResponseDataLossError,
)


def _is_network_error(exc: BaseException) -> bool:
    return isinstance(exc, _NETWORK_ERRORS) or isinstance(exc.__cause__, _NETWORK_ERRORS)
