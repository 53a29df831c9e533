"""Make a WARC file whole again after its writer was killed: cut the record it was writing."""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 16
_HEAD_BYTES = 1 << 16  # of each inflated record, enough for its headers and a warcinfo payload
_WARC_TYPE = re.compile(rb"^WARC-Type:[ \t]*([A-Za-z-]+)", re.M | re.I)
_INFO_LINE = re.compile(r"^([\w-]+):[ \t]*(.*?)\s*$", re.M)


@dataclass(frozen=True, slots=True)
class Member:
    """One whole gzip member of a WARC file, holding one record."""

    offset: int
    length: int
    record_type: str


@dataclass(frozen=True, slots=True)
class Recovery:
    """What :func:`recover_tail` found: where the whole records end and how much was cut."""

    end: int
    cut: int
    members: tuple[Member, ...]


def recover_tail(path: Path, start: int = 0) -> Recovery:
    """Truncate ``path`` after its last whole exchange, scanning gzip members from ``start``.

    ``start`` must be a member boundary (the end of a record known to be whole). A member that
    does not inflate to its end is torn: it and everything after it are cut off. A response or
    revisit left without the request record written after it is cut too, so every response in
    the file keeps its request. Returns the whole members kept after ``start``.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        members = [member for member, _ in _members(fh, start)]
    while members and members[-1].record_type in {"response", "revisit"}:
        members.pop()
    end = members[-1].offset + members[-1].length if members else min(start, size)
    if end < size:
        with open(path, "r+b") as fh:
            fh.truncate(end)
            os.fsync(fh.fileno())
    return Recovery(end=end, cut=size - end, members=tuple(members))


def warcinfo_fields(path: Path) -> dict[str, str]:
    """The fields of the file's first record when it is a whole ``warcinfo``; ``{}`` otherwise."""
    try:
        with open(path, "rb") as fh:
            first = next(_members(fh, 0), None)
    except OSError:
        return {}
    if first is None or first[0].record_type != "warcinfo":
        return {}
    _, _, payload = first[1].partition(b"\r\n\r\n")
    text = payload.decode("utf-8", "replace")
    return {match.group(1): match.group(2) for match in _INFO_LINE.finditer(text)}


def _members(fh: BinaryIO, start: int) -> Iterator[tuple[Member, bytes]]:
    """Each whole gzip member from ``start`` on, with the first bytes of its inflated record.

    Stops at the first member that is torn or damaged (a CRC or length mismatch raises in zlib).
    """
    fh.seek(start)
    offset = start
    pending = b""
    while True:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        head = bytearray()
        used = 0
        data = pending or fh.read(_CHUNK)
        if not data:
            return
        while True:
            try:
                out = inflater.decompress(data)
            except zlib.error:
                return
            if len(head) < _HEAD_BYTES:
                head += out[: _HEAD_BYTES - len(head)]
            if inflater.eof:
                pending = inflater.unused_data
                used += len(data) - len(pending)
                break
            used += len(data)
            data = fh.read(_CHUNK)
            if not data:
                return  # the file ends inside this member
        found = _WARC_TYPE.search(bytes(head[:4096]))
        record_type = found.group(1).decode("ascii").lower() if found else ""
        yield Member(offset, used, record_type), bytes(head)
        offset += used
