"""Make a WARC file whole again: cut every torn or damaged record out of it, wherever it is.

A writer killed mid-record leaves a torn record at the end of its file. An older writer that met
a full disk went on appending after the torn record, leaving it in the middle. Either way the
file is read gzip member by gzip member (one record each); a member that does not inflate is
damage, and reading resumes at the next member that holds a WARC record.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from storage.errors import ArchiveError

_CHUNK = 1 << 16
_HEAD_BYTES = 1 << 16  # of each inflated record, enough for its headers and a warcinfo payload
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_TYPE = re.compile(rb"^WARC-Type:[ \t]*([A-Za-z-]+)", re.M | re.I)
_RECORD_ID = re.compile(rb"^WARC-Record-ID:[ \t]*(<[^>\r\n]*>)", re.M | re.I)
_INFO_LINE = re.compile(r"^([\w-]+):[ \t]*(.*?)\s*$", re.M)
_PAIRED = frozenset({"response", "revisit"})  # each written just before its request record


@dataclass(frozen=True, slots=True)
class Member:
    """One whole gzip member of a WARC file, holding one record."""

    offset: int
    length: int
    record_type: str
    record_id: str = ""


@dataclass(frozen=True, slots=True)
class Damage:
    """Bytes of a WARC file that hold no whole record: a torn or corrupted gzip member."""

    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Recovery:
    """What :func:`recover_tail` found: where the whole records end and how much was cut.

    ``members`` are the records kept after ``start``, at their offsets in the file as it is now;
    ``moved`` says records after a cut were moved up, so their offsets changed.
    """

    end: int
    cut: int
    members: tuple[Member, ...]
    moved: bool = False


def recover_tail(path: Path, start: int = 0, known: Iterable[Member] = ()) -> Recovery:
    """Cut every torn or damaged record of ``path`` after ``start``, keeping the whole ones.

    ``start`` must be a member boundary (the end of a record known to be whole). A response or
    revisit left without the request record written after it is cut too, and a request left
    without its response, so every response in the file keeps its request. Damage at the end is
    truncated away; damage in the middle means the file is rewritten without it (to a temporary
    file renamed over it), the records after it moving up. A file that is not gzip member by
    member raises :class:`ArchiveError` and is left as it is.

    ``known`` are records whose rows say where they are (committed after the whole record was
    written): each is taken as whole once its first bytes hold its record id, without inflating
    the rest, so reading a file whole costs little more than inflating its request records.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        _check_gzip_per_record(path, fh, start, size)
        items = list(scan(fh, start, {member.offset: member for member in known}))
    kept = _whole_exchanges(items)
    end = kept[-1].offset + kept[-1].length if kept else min(start, size)
    contiguous = sum(m.length for m in kept) == end - start
    if contiguous:
        if end < size:
            with open(path, "r+b") as fh:
                fh.truncate(end)
                os.fsync(fh.fileno())
        return Recovery(end=end, cut=size - end, members=tuple(kept))
    moved = _rewrite(path, start, kept)
    end = moved[-1].offset + moved[-1].length
    return Recovery(end=end, cut=size - end, members=tuple(moved), moved=True)


def scan(
    fh: BinaryIO, start: int = 0, known: Mapping[int, Member] | None = None
) -> Iterator[Member | Damage]:
    """Each whole member from ``start`` on, and each stretch of damage between them.

    A member in ``known`` (by offset) is taken as it is when its first bytes name its record.
    """
    size = os.fstat(fh.fileno()).st_size
    offset = start
    while offset < size:
        member = (known or {}).get(offset)
        if member is not None and offset + member.length <= size and _names(fh, member):
            yield member
            offset += member.length
            continue
        found = member_at(fh, offset)
        if found is not None:
            yield found[0]
            offset += found[0].length
            continue
        resume = _next_record(fh, offset + 1, size)
        yield Damage(offset, resume - offset)
        offset = resume


def member_at(fh: BinaryIO, offset: int) -> tuple[Member, bytes] | None:
    """The whole gzip member at ``offset`` with the first bytes of its record, or ``None``.

    ``None`` when the member is torn or damaged (a CRC or length mismatch raises in zlib).
    """
    fh.seek(offset)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    head = bytearray()
    used = 0
    while not inflater.eof:
        data = fh.read(_CHUNK if used else 4096)
        if not data:
            return None  # the file ends inside this member
        try:
            out = inflater.decompress(data)
        except zlib.error:
            return None
        if len(head) < _HEAD_BYTES:
            head += out[: _HEAD_BYTES - len(head)]
        used += len(data) - len(inflater.unused_data)
    first = bytes(head[:4096])
    found = _WARC_TYPE.search(first)
    record_id = _RECORD_ID.search(first)
    return (
        Member(
            offset,
            used,
            found.group(1).decode("ascii").lower() if found else "",
            record_id.group(1).decode("ascii") if record_id else "",
        ),
        bytes(head),
    )


def _names(fh: BinaryIO, member: Member) -> bool:
    """Whether the gzip member at ``member.offset`` begins with the header of its record."""
    fh.seek(member.offset)
    try:
        head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(fh.read(4096), 4096)
    except zlib.error:
        return False
    found = _RECORD_ID.search(head)
    return found is not None and found.group(1).decode("ascii") == member.record_id


def warcinfo_fields(path: Path) -> dict[str, str]:
    """The fields of the file's first record when it is a whole ``warcinfo``; ``{}`` otherwise."""
    try:
        with open(path, "rb") as fh:
            first = member_at(fh, 0) if fh.read(3) == _GZIP_MAGIC else None
    except OSError:
        return {}
    if first is None or first[0].record_type != "warcinfo":
        return {}
    _, _, payload = first[1].partition(b"\r\n\r\n")
    text = payload.decode("utf-8", "replace")
    return {match.group(1): match.group(2) for match in _INFO_LINE.finditer(text)}


def _check_gzip_per_record(path: Path, fh: BinaryIO, start: int, size: int) -> None:
    """Raise unless ``path`` is gzip member by member: recovery would cut a whole other file."""
    fh.seek(0)
    if not path.name.endswith(".gz") or (size and fh.read(3) != _GZIP_MAGIC):
        raise ArchiveError(f"{path.name} is not a gzip-per-record WARC file; left as it is")
    if start == 0 and size and member_at(fh, 0) is None and _next_record(fh, 1, size) == size:
        raise ArchiveError(f"{path.name} holds no whole WARC record; left as it is")


def _next_record(fh: BinaryIO, offset: int, size: int) -> int:
    """Where the next whole member holding a WARC record starts after damage (``size``: none)."""
    while offset < size:
        fh.seek(offset)
        chunk = fh.read(_CHUNK + len(_GZIP_MAGIC) - 1)
        at = chunk.find(_GZIP_MAGIC)
        while at >= 0:
            found = member_at(fh, offset + at)
            if found is not None and found[1].startswith(b"WARC/"):
                return offset + at
            at = chunk.find(_GZIP_MAGIC, at + 1)
        offset += _CHUNK
    return size


def _whole_exchanges(items: list[Member | Damage]) -> list[Member]:
    """The members to keep: a response beside damage or at the end loses its request, and a
    request after damage its response, so both go."""
    kept: list[Member] = []
    segment: list[Member] = []
    after_damage = False
    for item in [*items, None]:
        if isinstance(item, Member):
            segment.append(item)
            continue
        while after_damage and segment and segment[0].record_type == "request":
            segment.pop(0)
        while segment and segment[-1].record_type in _PAIRED:
            segment.pop()
        kept += segment
        segment, after_damage = [], True
    return kept


def _rewrite(path: Path, start: int, kept: list[Member]) -> list[Member]:
    """Write ``path`` again with the bytes before ``start`` and the ``kept`` members only."""
    temporary = path.with_name(f".{path.name}.repair")
    moved = []
    with open(path, "rb") as source, open(temporary, "wb") as target:
        _copy(source, target, 0, start)
        for member in kept:
            moved.append(replace(member, offset=target.tell()))
            _copy(source, target, member.offset, member.length)
        target.flush()
        os.fsync(target.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return moved


def _copy(source: BinaryIO, target: BinaryIO, offset: int, length: int) -> None:
    source.seek(offset)
    while length > 0:
        data = source.read(min(length, _CHUNK))
        if not data:
            raise ArchiveError(f"{source.name} ended while it was being repaired")
        target.write(data)
        length -= len(data)
