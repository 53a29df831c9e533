"""Options and helpers the commands share: ``--db``, ``--warc-dir``, ``-s``, opening the archive."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from storage.errors import ArchiveError
from storage.readonly import ArchiveReader

if TYPE_CHECKING:  # sqlite-utils and warcio load only for the commands that write the archive
    from storage.store import ArticleStore

DATE = click.DateTime(formats=["%Y-%m-%d"])

F = TypeVar("F", bound=Callable[..., Any])


def db_option(function: F) -> F:
    """``--db PATH``: the SQLite archive."""
    return click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        default=Path("archive.db"),
        show_default=True,
        help="SQLite archive file (created if missing).",
    )(function)


def warc_dir_option(function: F) -> F:
    """``--warc-dir DIR``: the folder of WARC files."""
    return click.option(
        "--warc-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("warcs"),
        show_default=True,
        help="Folder of the WARC files (created by a crawl if missing).",
    )(function)


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
