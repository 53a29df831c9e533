"""Errors raised by the storage layer; the CLI turns each into one line."""

from __future__ import annotations


class ArchiveError(Exception):
    """The archive (WARC files or database) cannot be used as asked."""


class WarcWriteError(ArchiveError):
    """A WARC record could not be written (a full disk): it was cut away, the file closed."""


class DatabaseError(ArchiveError):
    """The SQLite archive cannot be opened or written."""


class ScheduleError(ArchiveError):
    """A schedule cannot be added, found or changed as asked."""
