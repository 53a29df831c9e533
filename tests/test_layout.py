"""The layout holds: imports flow one way, nothing imports in a circle, modules stay small.

The import graph is read from the source with ``ast`` (imports inside functions and under
``TYPE_CHECKING`` count too): ``archiver.cli`` may import everything; ``spiders`` imports the
crawl and extraction; the crawl imports extraction and storage; storage imports only itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("archiver", "spiders", "storage")

# What each area may import besides itself. An area is a top-level package, or a stage of archiver/.
ALLOWED: dict[str, frozenset[str]] = {
    "archiver": frozenset({"archiver.cli"}),  # __main__: the entry point only
    "archiver.cli": frozenset(
        {
            "archiver.crawl",
            "archiver.extraction",
            "archiver.serving",
            "archiver.scheduling",
            "spiders",
            "storage",
        }
    ),
    "archiver.serving": frozenset({"storage"}),
    "archiver.scheduling": frozenset({"storage"}),
    "spiders": frozenset({"archiver.crawl", "archiver.extraction"}),
    "archiver.crawl": frozenset({"archiver.extraction", "storage"}),
    "archiver.extraction": frozenset({"storage"}),
    "storage": frozenset(),
}
STAGES = ("cli", "crawl", "extraction", "serving", "scheduling")
# Third-party packages a layer must not import, so it can run (and be rebuilt from) without them.
FORBIDDEN_THIRD_PARTY = {
    "archiver.extraction": ("scrapy", "twisted", "sqlite3", "sqlite_utils", "click", "rich"),
    "storage": ("scrapy", "twisted", "click", "rich"),
    "spiders": ("sqlite3", "sqlite_utils", "click", "rich"),
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement of one module of ours."""

    module: str
    target: str
    path: Path
    line: int


def modules(root: Path) -> dict[str, Path]:
    """Every module of our packages under ``root``, by dotted name (a package by its own)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(root: Path) -> Iterator[Import]:
    """Every import of one of our modules by another, resolved to the module it names."""
    known = modules(root)
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = (_resolve(target, known) for target in _targets(node))
            for target in sorted({found for found in named if found and found != name}):
                yield Import(name, target, path, node.lineno)


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
    return []


def _resolve(target: str, known: dict[str, Path]) -> str | None:
    """The longest known module ``target`` names (``a.b.name`` -> ``a.b``)."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def area(module: str) -> str:
    """``archiver.crawl.capture`` -> ``archiver.crawl``; ``storage.warc`` -> ``storage``."""
    parts = module.split(".")
    if parts[0] == "archiver" and len(parts) > 1 and parts[1] in STAGES:
        return f"archiver.{parts[1]}"
    return parts[0]


def upward_imports(root: Path) -> list[str]:
    """Each import that crosses into an area its own area may not import."""
    wrong = []
    for found in imports(root):
        source, target = area(found.module), area(found.target)
        if source != target and target not in ALLOWED.get(source, frozenset()):
            where = f"{found.path.relative_to(root)}:{found.line}"
            wrong.append(f"{where}: {found.module} imports {found.target} ({source} -> {target})")
    return wrong


def cycles(root: Path) -> list[list[str]]:
    """The groups of modules that import each other in a circle (Tarjan's strongly connected)."""
    graph: dict[str, set[str]] = {name: set() for name in modules(root)}
    for found in imports(root):
        graph[found.module].add(found.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_imports_flow_one_way() -> None:
    assert upward_imports(REPO) == []


def test_imports_are_absolute() -> None:
    """Relative imports would escape the graph above, so there are none."""
    relative = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path in modules(REPO).values()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level
    ]
    assert relative == []


def test_no_module_imports_itself_in_a_circle() -> None:
    assert cycles(REPO) == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_THIRD_PARTY))
def test_pure_layers_import_no_framework(layer: str) -> None:
    forbidden = FORBIDDEN_THIRD_PARTY[layer]
    wrong = []
    for name, path in modules(REPO).items():
        if area(name) != layer:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node):
                if target.split(".")[0] in forbidden:
                    wrong.append(f"{path.relative_to(REPO)}:{node.lineno} imports {target}")
    assert wrong == []


def test_the_checks_catch_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    files = {
        "storage/__init__.py": "",
        "storage/a.py": "from storage.b import x\n",
        "storage/b.py": "import storage.a\nfrom archiver.crawl.c import y\n",
        "archiver/__init__.py": "",
        "archiver/crawl/__init__.py": "",
        "archiver/crawl/c.py": "def y() -> None:\n    from spiders.s import z\n",
        "spiders/__init__.py": "",
        "spiders/s.py": "from archiver.crawl import c\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert sorted(cycles(tmp_path)) == [
        ["archiver.crawl.c", "spiders.s"],
        ["storage.a", "storage.b"],
    ]
    wrong = sorted(line.split(": ", 1)[1] for line in upward_imports(tmp_path))
    assert wrong == [
        "archiver.crawl.c imports spiders.s (archiver.crawl -> spiders)",
        "storage.b imports archiver.crawl.c (storage -> archiver.crawl)",
    ]


def test_every_package_says_what_it_is_for() -> None:
    packages = [path for path in modules(REPO).values() if path.name == "__init__.py"]
    assert len(packages) >= 8
    missing = [
        str(path.relative_to(REPO))
        for path in packages
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == []


def _source_files() -> list[Path]:
    return [*modules(REPO).values(), *sorted((REPO / "benchmarks").glob("*.py"))]


def test_modules_stay_small() -> None:
    long = []
    for path in _source_files():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            long.append(f"{path.relative_to(REPO)}: {lines} lines")
    assert long == []


def test_functions_fit_on_a_screen() -> None:
    long = []
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}: {lines}")
    assert long == []


def documented_paths(page: Path) -> set[str]:
    """The files and folders the first tree drawn in ``page`` names, as paths from the root."""
    tree = page.read_text(encoding="utf-8").split("```")[1]
    found: set[str] = set()
    parents: list[str] = []
    for line in tree.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        parents = parents[:depth]
        path = "/".join([*parents, name.rstrip("/")])
        found.add(path)
        if name.endswith("/"):
            parents.append(name.rstrip("/"))
    return found


def test_the_layout_page_names_every_module_and_only_modules_that_exist() -> None:
    documented = documented_paths(REPO / "docs" / "layout.md")
    sources = {
        str(path.relative_to(REPO))
        for path in _source_files()
        if path.name != "__init__.py" and "benchmarks" not in path.parts
    }
    assert sorted(sources - documented) == []
    assert sorted(p for p in documented if not (REPO / p).exists()) == []
