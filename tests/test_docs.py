"""Every command, option, setting, table and column is documented under docs/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from archiver.cli import cli
from archiver.extraction.lexicon import KEYS
from storage.store import ArticleStore

DOCS = Path(__file__).resolve().parents[1] / "docs"
SETTINGS = Path(__file__).resolve().parents[1] / "archiver" / "crawl" / "settings.py"
VOCABULARY = Path(__file__).resolve().parents[1] / "archiver" / "extraction" / "vocabulary"


def commands(group: click.Group, prefix: str = "archiver") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(commands(command, path))
        else:
            found.append((path, command))
    return found


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.M)
    assert match, f"no heading {heading!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


@pytest.mark.parametrize(("path", "command"), commands(cli), ids=lambda v: str(v))
def test_every_command_and_option_is_documented(path: str, command: click.Command) -> None:
    body = section((DOCS / "cli.md").read_text(encoding="utf-8"), f"`{path}`")
    for param in command.params:
        if isinstance(param, click.Option):
            names = [n for n in param.opts if n.startswith("--")] or param.opts
            assert any(name in body for name in names), f"{path}: {param.opts} undocumented"


def test_every_setting_is_documented() -> None:
    tree = ast.parse(SETTINGS.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names |= {t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()}
    assert "ARCHIVE_DB" in names
    docs = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in docs)
    assert not missing, f"undocumented settings: {missing}"


def test_every_table_and_column_is_documented(tmp_path: Path) -> None:
    docs = (DOCS / "schema.md").read_text(encoding="utf-8")
    with ArticleStore(tmp_path / "a.db") as store:
        tables = [
            name
            for name in store.db.table_names()
            if not name.startswith("sqlite_") and not re.search(r"_fts(_|$)", name)
        ]
        assert {"crawls", "captures", "articles"} <= set(tables)
        for table in tables:
            body = section(docs, f"`{table}`")
            for column in store.db.table(table).columns_dict:
                assert f"| `{column}` |" in body, f"{table}.{column} undocumented"


def test_every_vocabulary_file_and_key_is_documented() -> None:
    docs = (DOCS / "vocabulary.md").read_text(encoding="utf-8")
    files = sorted(path.name for path in VOCABULARY.glob("*.toml"))
    assert "en.toml" in files
    missing = [name for name in files if f"| `{name}` |" not in docs]
    assert not missing, f"vocabulary files not named in docs/vocabulary.md: {missing}"
    for table, keys in KEYS.items():
        body = section(docs, f"`[{table}]`")
        undocumented = [key for key in keys if f"| `{key}` |" not in body]
        assert not undocumented, f"[{table}] keys undocumented: {undocumented}"
