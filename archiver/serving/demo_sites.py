"""The bundled sample news sites, served on loopback hosts for ``archiver demo`` and the tests."""

from __future__ import annotations

from contextlib import ExitStack
from importlib.resources import files
from pathlib import Path

from archiver.serving.loopback import SampleSite

# Distinct loopback addresses make distinct hosts, hence distinct sites, without DNS.
_HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


def sample_site_roots() -> list[Path]:
    """The folders of the bundled sample sites, in a stable order."""
    root = Path(str(files("archiver.serving") / "sample_sites"))
    return sorted(path for path in root.iterdir() if (path / "index.html").is_file())


def serve_sample_sites(stack: ExitStack) -> list[SampleSite]:
    """Start every bundled site on its own loopback host; ``stack`` stops them."""
    sites = []
    for root, host in zip(sample_site_roots(), _HOSTS, strict=False):
        sites.append(stack.enter_context(SampleSite(root, host)))
    return sites
