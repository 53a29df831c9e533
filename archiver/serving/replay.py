"""Replay with pywb: a CDXJ index kept current beside the WARC files, pywb's config, captures.

pywb runs from its own virtual environment (it pins old redis, werkzeug and pyOpenSSL), so this
module only writes files for it and builds the ``wayback`` command line; the CLI runs it.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import surt
from cdxj_indexer.main import write_cdx_index
from warcio.exceptions import ArchiveLoadFailed

from storage.clock import utc_now
from storage.errors import ArchiveError
from storage.warcfolders import WarcFolders

logger = logging.getLogger(__name__)

COLLECTION = "archive"  # pywb serves the archive at /archive/
STATE_DIR = ".replay"  # inside the WARC folder: pywb's config.yaml and indexes/
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ReplayError(Exception):
    """Replay cannot start or find what was asked."""


@dataclass(frozen=True, slots=True)
class Capture:
    """One indexed capture of a URL."""

    url: str
    timestamp: str  # 14 digits, UTC
    status: str
    mime: str


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What a refresh of the index did."""

    files: int
    indexed: int
    removed: int
    captures: int


class ReplayIndex:
    """One CDXJ file per WARC file under ``<warc-dir>/.replay/indexes``, refreshed on demand.

    Given several WARC folders (one per crawl node), the first holds the index of them all
    and pywb looks for each file by name in every folder.

    A WARC file is re-indexed when its size or modification time changes, so a folder a crawl
    is still writing to stays replayable; pywb lists the index folder on every lookup.
    """

    def __init__(self, warc_dir: Path | Sequence[Path]) -> None:
        dirs = [warc_dir] if isinstance(warc_dir, Path) else list(warc_dir)
        for folder in dirs:
            if not folder.is_dir():
                raise ReplayError(f"{folder} is not a folder of WARC files")
        if not dirs:
            raise ReplayError("no WARC folder given")
        self.folders = WarcFolders(dirs)
        # With several folders (one per crawl node) the index of them all lives in the first.
        self.warc_dir = self.folders.folders[0]
        self.state_dir = self.warc_dir / STATE_DIR
        self.index_dir = self.state_dir / "indexes"
        self._manifest_path = self.state_dir / "indexed.json"

    def refresh(self) -> IndexReport:
        """Index new or changed WARC files and drop indexes of files that are gone."""
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReplayError(f"cannot write the replay index in {self.state_dir}: {exc}") from exc
        manifest = self._load_manifest()
        try:
            files = self.folders.files()
        except ArchiveError as exc:
            raise ReplayError(str(exc)) from exc
        indexed = removed = 0
        for path in files:
            stat = path.stat()
            stamp = [stat.st_size, stat.st_mtime_ns]
            if manifest.get(path.name) == stamp and self._index_path(path.name).exists():
                continue
            if self._index_one(path):
                manifest[path.name] = stamp
                indexed += 1
        names = {path.name for path in files}
        for name in sorted(set(manifest) - names):
            self._index_path(name).unlink(missing_ok=True)
            del manifest[name]
            removed += 1
        try:
            self._manifest_path.write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
        except OSError as exc:
            raise ReplayError(f"cannot write the replay index in {self.state_dir}: {exc}") from exc
        return IndexReport(len(files), indexed, removed, sum(1 for _ in self.lines()))

    def lines(self) -> Iterator[str]:
        """Every CDXJ line of the index."""
        for path in sorted(self.index_dir.glob("*.cdxj")):
            with open(path, encoding="utf-8") as fh:
                yield from (line for line in fh if line.strip())

    def captures(self, url: str) -> list[Capture]:
        """Every indexed capture of ``url`` (compared as pywb does, by SURT key)."""
        key = surt.surt(url) + " "
        found = []
        for line in self.lines():
            if line.startswith(key):
                _, timestamp, data = line.split(" ", 2)
                fields = json.loads(data)
                found.append(
                    Capture(
                        fields.get("url", url),
                        timestamp,
                        fields.get("status", ""),
                        fields.get("mime", ""),
                    )
                )
        return found

    def nearest(self, url: str, at: str) -> Capture:
        """The capture of ``url`` closest in time to ``at`` (14 digits); the later one on a tie."""
        captures = self.captures(url)
        if not captures:
            raise ReplayError(f"no capture of {url} in {self.folders}")
        target = to_datetime(at)
        return min(
            captures,
            key=lambda c: (
                abs((to_datetime(c.timestamp) - target).total_seconds()),
                -int(c.timestamp),
            ),
        )

    def write_pywb_config(self, reader_url: str | None = None) -> Path:
        """Write pywb's ``config.yaml`` (one collection over the folders) and return its path.

        With ``reader_url``, pywb's banner also links each replayed article to its page in the
        reader (``archiver serve`` at that address), shown when the reader answers for it.
        """
        # JSON is YAML: quoting paths this way keeps odd characters in folder names safe.
        collection = {
            "index_paths": str(self.index_dir) + os.sep,
            "archive_paths": [str(folder) + os.sep for folder in self.folders.folders],
        }
        lines = [
            "# Written by `archiver replay`; rewritten at every start.",
            "collections:",
            f"  {COLLECTION}:",
            *(f"    {name}: {json.dumps(value)}" for name, value in collection.items()),
            "framed_replay: true",
            # Memento (RFC 7089): TimeMaps at /archive/timemap/<format>/<url>; the TimeGate
            # /archive/mp_/<url> answers Accept-Datetime with the nearest memento (200-style,
            # Content-Location). Not redirect_to_exact: it would also redirect every stylesheet
            # and image captured a second off its page, a round trip each in replay.
            "enable_memento: true",
        ]
        config = self.state_dir / "config.yaml"
        templates = self.state_dir / "templates"
        try:
            banner = templates / READER_BANNER
            if reader_url:
                templates.mkdir(exist_ok=True)
                banner.write_text(reader_banner(reader_url), encoding="utf-8")
                lines.append(f"banner_html: {READER_BANNER}")
            else:
                banner.unlink(missing_ok=True)
            config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ReplayError(f"cannot write pywb's config in {self.state_dir}: {exc}") from exc
        return config

    def _index_one(self, path: Path) -> bool:
        target = self._index_path(path.name)
        partial = target.with_name(target.name + ".partial")
        try:
            write_cdx_index(str(partial), [str(path)], {"sort": True})
        except (OSError, EOFError, zlib.error, ArchiveLoadFailed, ValueError) as exc:
            # A file still being written may end mid-record; the next refresh tries again.
            logger.warning("cannot index %s yet: %s", path.name, exc)
            partial.unlink(missing_ok=True)
            return False
        partial.replace(target)
        return True

    def _index_path(self, warc_name: str) -> Path:
        return self.index_dir / f"{warc_name}.cdxj"

    def _load_manifest(self) -> dict[str, list[int]]:
        try:
            data = json.loads(self._manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


READER_BANNER = "reader_banner.html"  # in <warc-dir>/.replay/templates, pywb's template folder

# pywb's own banner, then a link from the replayed page to the reader's page for its URL. The
# link lives in the top frame, out of reach of the replayed page's scripts and of pywb's URL
# rewriting; it follows the frame's navigation (pywb posts each new URL) and shows only once the
# reader answers that it holds an article at that URL.
_BANNER = """{% include "banner.html" %}
<script>
(function () {
  var reader = READER;
  function address(url) { return reader + "/article?url=" + encodeURIComponent(url); }
  function show(link, url) {
    link.style.display = "none";
    fetch(address(url)).then(function (response) {
      if (response.ok) { link.href = address(url); link.style.display = "block"; }
    }, function () {});
  }
  document.addEventListener("DOMContentLoaded", function () {
    var link = document.createElement("a");
    link.id = "archiver-reader-link";
    link.target = "_top";
    link.textContent = "Read the clean text";
    link.style.cssText = "display:none;position:fixed;right:16px;bottom:16px;z-index:2147483647;"
      + "padding:8px 14px;border-radius:6px;background:#1d1d1f;color:#fff;font:600 15px "
      + "system-ui,sans-serif;text-decoration:none;box-shadow:0 2px 8px rgba(0,0,0,.3)";
    document.body.appendChild(link);
    show(link, {{ url | tojson }});
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (data && typeof data === "object" && data.url
          && (data.wb_type === "load" || data.wb_type === "replace-url")) {
        show(link, data.url);
      }
    });
  });
})();
</script>
"""


def reader_banner(reader_url: str) -> str:
    """pywb's banner template with the link back to the reader at ``reader_url``."""
    # JSON is a JavaScript literal; escaping "<" keeps a "</script>" in the address harmless.
    literal = json.dumps(reader_url.rstrip("/")).replace("<", "\\u003c")
    return _BANNER.replace("READER", literal, 1)


def capture_timestamp(iso: str) -> str:
    """The 14-digit timestamp pywb uses for a capture, from its ISO 8601 WARC-Date."""
    return "".join(ch for ch in iso[:19] if ch.isdigit()).ljust(14, "0")


def parse_timestamp(text: str) -> str:
    """A 14-digit UTC timestamp from 4-14 digits (``2026``, ``20261127``) or an ISO 8601 date."""
    value = text.strip()
    problem = f"{text!r} is neither a timestamp (YYYYMMDDhhmmss) nor an ISO 8601 date"
    if value.isdigit():
        digits = value + "0101000000"[len(value) - 4 :] if 4 <= len(value) < 14 else value
        try:
            to_datetime(digits)  # checks length, month, day and time
        except ValueError:
            raise ValueError(problem) from None
        return digits
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(problem) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def to_datetime(timestamp: str) -> datetime:
    """A 14-digit timestamp as an aware UTC datetime."""
    try:
        return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"{timestamp!r} is not a valid timestamp") from exc


def now_timestamp() -> str:
    """The current time as a 14-digit timestamp."""
    return utc_now().strftime("%Y%m%d%H%M%S")


def replay_address(base: str, capture: Capture) -> str:
    """The address at which pywb serves the capture itself (``mp_``: no frame, no calendar)."""
    return f"{base.rstrip('/')}/{COLLECTION}/{capture.timestamp}mp_/{capture.url}"


def find_wayback(venv_setting: str) -> Path:
    """pywb's ``wayback`` in its own virtualenv: ``PYWB_VENV``, else .venv-pywb by the project."""
    venv = Path(venv_setting) if venv_setting else PROJECT_ROOT / ".venv-pywb"
    wayback = venv / "bin" / "wayback"
    if not os.access(wayback, os.X_OK):
        raise ReplayError(
            f"pywb is not installed in {venv}: run `make .venv-pywb/.installed`"
            " (or set PYWB_VENV to a virtualenv with pywb 2.10)"
        )
    return wayback


def wayback_command(wayback: Path, host: str, port: int) -> list[str]:
    """The command line that starts pywb on ``host:port`` (run it in the index's state folder)."""
    return [str(wayback), "--bind", host, "--port", str(port)]
