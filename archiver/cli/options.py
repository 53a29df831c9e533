"""Options and helpers the commands share: ``--db``, ``--warc-dir``, ``-s``, opening the archive."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from storage.errors import ArchiveError
from storage.readonly import ArchiveReader
from storage.warcfolders import WarcFolders

if TYPE_CHECKING:  # sqlite-utils and warcio load only for the commands that write the archive
    from storage.store import ArticleStore

DATE = click.DateTime(formats=["%Y-%m-%d"])

# What ``--max-pages`` counts, said once for ``crawl`` and ``schedule add`` (see PageLimits).
MAX_PAGES_HELP = "Stop after this many requests (robots.txt not counted; in a --job, responses)."

F = TypeVar("F", bound=Callable[..., Any])


def db_option(function: F) -> F:
    """``--db PATH``: the SQLite archive, created if missing (for commands that write one)."""
    return click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        default=Path("archive.db"),
        show_default=True,
        help="SQLite archive file (created if missing).",
    )(function)


def existing_db_option(function: F) -> F:
    """``--db PATH``: an archive that must exist already; a missing one is a usage error."""
    return click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        default=Path("archive.db"),
        show_default=True,
        callback=_existing_archive,
        help="SQLite archive file (must exist).",
    )(function)


def _existing_archive(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """Refuse a ``--db`` that is not there, before anything could create it empty."""
    if not value.is_file():
        hint = "crawl into it first: archiver crawl --db"
        raise click.BadParameter(f"no archive at {value} ({hint})")
    return value


def warc_dir_option(function: F) -> F:
    """``--warc-dir DIR``: the folder of WARC files, created by a crawl if missing."""
    return click.option(
        "--warc-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("warcs"),
        show_default=True,
        help="Folder of the WARC files (created by a crawl if missing).",
    )(function)


def warc_dirs_option(function: F) -> F:
    """``--warc-dir DIR``, repeatable: the WARC folders of one or more crawl nodes."""
    return click.option(
        "--warc-dir",
        "warc_dirs",
        type=click.Path(path_type=Path, file_okay=False),
        multiple=True,
        default=[Path("warcs")],
        show_default=True,
        callback=_existing_folders,
        help="Folder of WARC files (must exist); repeat for each node's folder.",
    )(function)


def warc_folders(warc_dirs: tuple[Path, ...]) -> WarcFolders:
    """The folders of ``--warc-dir`` read as one, or a usage error naming the option."""
    try:
        folders = WarcFolders(warc_dirs)
        folders.by_name()  # a name in two folders with different content fails here
    except ArchiveError as exc:
        raise click.BadParameter(str(exc), param_hint="'--warc-dir'") from exc
    return folders


def _existing_folders(
    ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]
) -> tuple[Path, ...]:
    """Refuse a ``--warc-dir`` that is not there: reading from it could only find nothing."""
    for folder in value:
        if not folder.is_dir():
            raise click.BadParameter(f"{folder} is not a folder of WARC files")
    return value


def open_store(db: Path) -> ArticleStore:
    """Open the archive, turning a storage error into a usage error naming ``--db``."""
    from archiver.crawl.runner import project_settings
    from storage.store import ArticleStore

    try:
        return ArticleStore(
            db, boilerplate_min_pages=project_settings().getint("BOILERPLATE_MIN_PAGES")
        )
    except ArchiveError as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from exc


def parse_setting(values: tuple[str, ...]) -> dict[str, str]:
    """``NAME=VALUE`` pairs from ``-s``."""
    settings: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="'-s'")
        settings[name.strip()] = setting
    return settings


def open_reader(db: Path) -> ArchiveReader:
    """Open an existing archive read-only, turning a storage error into a usage error."""
    try:
        return ArchiveReader(db)
    except ArchiveError as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from exc


def check_port(port: int) -> None:
    """Fail with one line when the port is taken."""
    from archiver.serving.foreground import HOST, port_is_free

    if not port_is_free(port):
        raise click.BadParameter(f"{HOST}:{port} is already in use", param_hint="'--port'")
