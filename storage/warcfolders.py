"""Several WARC folders read as one: each node's series, a file found by its name in any folder."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from storage.errors import ArchiveError
from storage.warcread import warc_files


class WarcFolders:
    """The WARC files of one or more folders, by name.

    Nodes put their name in the WARC prefix, so a name is unique across their folders: a name
    found in two folders must be the same file copied twice (it is then read once), or the
    archive cannot tell which file a capture points at and says so.
    """

    def __init__(self, folders: Sequence[Path]) -> None:
        if not folders:
            raise ArchiveError("no WARC folder given")
        for folder in folders:
            if not folder.is_dir():
                raise ArchiveError(f"{folder} is not a folder")
        self.folders = list(dict.fromkeys(folder.resolve() for folder in folders))

    def __str__(self) -> str:
        return ", ".join(str(folder) for folder in self.folders)

    def by_name(self) -> dict[str, Path]:
        """Every WARC file of every folder, by file name (an error when a name clashes)."""
        found: dict[str, Path] = {}
        for folder in self.folders:
            for path in warc_files(folder):
                first = found.setdefault(path.name, path)
                if first != path and not same_content(first, path):
                    raise ArchiveError(
                        f"WARC file {path.name} is in {first.parent} and in {path.parent}"
                        " with different content: give each node its own WARC_PREFIX"
                    )
        return found

    def files(self) -> list[Path]:
        """Every WARC file, ordered by name across the folders (one path per name)."""
        return [path for _, path in sorted(self.by_name().items())]

    def find(self, name: str) -> Path:
        """The WARC file called ``name``, in whichever folder holds it."""
        path = self.by_name().get(name)
        if path is None:
            raise ArchiveError(f"no WARC file {name} in {self}")
        return path

    def missing(self, names: Iterable[str]) -> list[str]:
        """The names among ``names`` that no folder holds, sorted."""
        present = self.by_name()
        return sorted({name for name in names if name not in present})


def same_content(first: Path, second: Path) -> bool:
    """Whether two files hold the same bytes (sizes first: a digest only when they match)."""
    if first.stat().st_size != second.stat().st_size:
        return False
    return _digest(first) == _digest(second)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
