"""Packaging and installs: the license's SPDX form, and the Makefile's Debian installs."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

NEEDS = "make: this needs the Debian package(s) {pkg}, and installing them takes root and apt-get"


def test_license_is_an_spdx_expression() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"  # not the deprecated table form
    assert "setuptools>=77" in project["build-system"]["requires"]  # the first to read it
    metadata = importlib.metadata.metadata("news-archiver")
    assert metadata["License-Expression"] == "Apache-2.0"


def make(
    target: str, folder: Path, path: str, *wrap: str, repo: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """``make TARGET``, the Debian installs aimed at paths in ``folder``, which does not exist."""
    variables = [f"CHROMIUM={folder}/chromium", f"REPLAYWEBPAGE={folder}/ui.js"]
    return subprocess.run(
        [*wrap, shutil.which("make") or "make", "-s", "-C", str(repo), *variables, target],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("target", "pkg"), [("chromium", "chromium"), ("ui.js", "npm")])
def test_make_says_what_to_install_when_it_cannot_install_it(
    tmp_path: Path, target: str, pkg: str
) -> None:
    # no apt-get (and no npm) on PATH: only what the recipe needs besides them
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "id"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or tool)
    goal = tmp_path / "no" / ("chromium" if target == "chromium" else "ui.js")
    result = make(str(goal), tmp_path / "no", str(bin_dir))
    assert result.returncode != 0
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("make: this")]
    assert line.startswith(NEEDS.format(pkg=pkg))
    assert f"sudo apt-get install {pkg}" in line
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_make_does_not_try_apt_get_when_not_root() -> None:
    nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    missing = Path(f"/tmp/archiver-test-{os.getpid()}-absent")  # one nobody may look into
    # The Makefile alone, where nobody may read it: the checkout itself may be private to root.
    readable = Path(tempfile.mkdtemp(prefix="archiver-make-"))
    readable.chmod(0o755)
    shutil.copy(REPO / "Makefile", readable / "Makefile")
    try:
        path = os.environ["PATH"]
        result = make(str(missing / "chromium"), missing, path, *nobody, repo=readable)
    finally:
        shutil.rmtree(readable)
    assert result.returncode != 0
    assert NEEDS.format(pkg="chromium") in result.stderr
    assert "apt-get update" not in result.stderr and "Permission denied" not in result.stderr
