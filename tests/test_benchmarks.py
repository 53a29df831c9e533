"""The crawl benchmark's mirror builder, on a tiny synthetic corpus, so the script cannot rot."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from benchmarks.crawl import RunResult, archiver_command, plain_command, prepare_mirror
from benchmarks.mirror import (
    MAX_BYTES,
    MIN_BYTES,
    article_path,
    build_mirror,
    corpus_files,
    load_templates,
)

_HREF = re.compile(r"<a\s[^>]*?href=\"([^\"]*)\"", re.I)
_SRC = re.compile(r"\ssrc=\"([^\"]*)\"", re.I)

_PAGE = """<!DOCTYPE html><html lang="en"><head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<meta http-equiv="refresh" content="0; url=https://elsewhere.example/">
<base href="https://origin.example/news/">
<title>Harbour wall repaired {n}</title>
<link rel="stylesheet" href="https://cdn.origin.example/site.css">
<link rel="canonical" href="https://origin.example/news/story-{n}">
<script src="https://cdn.origin.example/app.js"></script>
</head><body>
<nav><a href="/">Home</a> <a href="https://origin.example/politics/">Politics</a>
<a href="//tracker.example/x">x</a> <a href="#top">Top</a>
<a href="mailto:desk@origin.example">Mail</a></nav>
<article><h1>Harbour wall repaired</h1>
<img src="https://img.origin.example/a.jpg" srcset="https://img.origin.example/a2.jpg 2x">
{paragraphs}
<p>Read also <a class="card"href="related.html">related story</a>
and <a href='/sport/b.html'>sport</a>.</p>
</article>
<iframe src="https://ads.example/frame"></iframe>
<footer>&copy; Origin News. Café caf\xe9.</footer>
</body></html>
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder shaped like the unpacked trafilatura-eval archive: one small, one large."""
    folder = tmp_path / "corpus"
    (folder / "eval").mkdir(parents=True)
    (folder / "cache").mkdir()
    paragraph = "<p>The council said the harbour wall was repaired after the storm in March.</p>\n"
    for n, count in ((1, 30), (2, 1500)):  # about 3 KB -> padded, about 120 KB -> as it is
        page = _PAGE.format(n=n, paragraphs=paragraph * count)
        (folder / ("eval" if n == 1 else "cache") / f"page{n}.html").write_bytes(
            page.encode("latin-1")
        )
    (folder / "eval" / "tiny.html").write_bytes(b"<html><body>hi</body></html>")
    return folder


def test_mirror_stays_inside_and_weighs_like_news(corpus: Path, tmp_path: Path) -> None:
    templates = load_templates(corpus_files(corpus), min_bytes=1024)
    assert [t.name for t in templates] == ["page2.html", "page1.html"]  # tiny.html left out
    mirror = build_mirror(tmp_path / "mirror", 12, templates)
    assert (mirror.articles, mirror.sections, mirror.pages) == (12, 1, 14)

    base = "http://127.0.0.1:8080/"
    reached: set[str] = set()
    pages = sorted(mirror.root.rglob("*.html"))
    assert len(pages) == mirror.pages
    for path in pages:
        data = path.read_bytes()
        assert gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == data
        text = data.decode("utf-8")  # re-encoded: the latin-1 corpus page declares utf-8 now
        url = urljoin(base, "/" + path.relative_to(mirror.root).as_posix())
        if "/news/" in url:
            assert MIN_BYTES <= len(data) <= MAX_BYTES, path
            assert "café" in text and "charset=iso-8859-1" not in text
            assert "<base" not in text and "refresh" not in text and "canonical" not in text
        for href in _HREF.findall(text) + _SRC.findall(text):
            target = urljoin(url, href)
            if target.startswith(("mailto:", "about:")):
                continue
            assert urlsplit(target).netloc == "127.0.0.1:8080", (path, href)
            relative = urlsplit(target).path.lstrip("/") or "index.html"
            assert (mirror.root / relative).is_file(), (path, href)
            reached.add(relative)
    articles = {article_path(n).lstrip("/") for n in range(12)}
    assert articles <= reached

    first, second = (mirror.root / article_path(n).lstrip("/") for n in (0, 2))
    words = [re.search(r"<title>(\w+) ", p.read_text()) for p in (first, second)]
    assert words[0] and words[1] and words[0].group(1) != words[1].group(1)


def test_commands_and_figures() -> None:
    assert plain_command("http://127.0.0.1:1/")[-2:] == ["--plain-spider", "http://127.0.0.1:1/"]
    command = archiver_command("http://127.0.0.1:1/", Path("out"), ["-s", "X=1"])
    assert command[2:5] == ["archiver", "crawl", "http://127.0.0.1:1/"]
    assert "ROBOTSTXT_OBEY=False" in command and command[-2:] == ["-s", "X=1"]
    result = RunResult("b", responses=50, seconds=2.0, cpu=5.0)
    assert (result.pages_per_second, result.per_page(result.cpu)) == (25.0, 0.1)


def test_a_built_mirror_is_reused_and_never_left_half_built(corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "mirror-5"
    first, built = prepare_mirror(root, 5, corpus)
    assert built and first.root == root and (root / "index.html").is_file()
    again, built = prepare_mirror(root, 5, corpus)
    assert not built and (again.articles, again.sections) == (5, 1)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("mirror")] == ["mirror-5"]
    (root / ".built").unlink()  # as a run killed mid-build would leave it: no stamp
    _, built = prepare_mirror(root, 5, corpus)
    assert built and (root / ".built").is_file()


def test_an_extraction_snapshot_shows_exactly_the_pages_that_changed(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import extraction_snapshot

    pages = {"https://origin.example/1": "page1.html", "https://origin.example/t": "tiny.html"}
    annotations = {url: {"file": name, "with": [], "without": []} for url, name in pages.items()}
    (corpus / "evaldata.json").write_text(json.dumps(annotations), encoding="utf-8")
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert extraction_snapshot.main(["write", str(before), "--eval-dir", str(corpus)]) == 0
    snapshot = json.loads(before.read_text(encoding="utf-8"))
    assert snapshot["https://origin.example/1"]["article"]["title"] == "'Harbour wall repaired'"
    assert snapshot["https://origin.example/1"]["article"]["extracted"].startswith('{"blocks":')
    assert extraction_snapshot.main(["compare", str(before), str(before)]) == 0
    snapshot["https://origin.example/1"]["kind"] = "changed"
    after.write_text(json.dumps(snapshot), encoding="utf-8")
    capsys.readouterr()
    assert extraction_snapshot.main(["compare", str(before), str(after)]) == 1
    assert capsys.readouterr().out == "https://origin.example/1\n1 of 2 pages differ\n"


def _annotate(corpus: Path) -> None:
    """Annotations for the two article pages: the repeated paragraph wanted, the footer not."""
    wanted = ["The council said the harbour wall was repaired after the storm in March."]
    annotations = {
        f"https://origin.example/news/story-{n}": {
            "file": f"page{n}.html",
            "with": wanted,
            "without": ["Origin News. Café"],
        }
        for n in (1, 2)
    }
    (corpus / "evaldata.json").write_text(json.dumps(annotations), encoding="utf-8")


def test_the_extraction_table_has_a_row_per_peer_and_names_the_absent(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import extraction, peers

    def not_installed() -> peers.Extractor:
        raise ImportError("No module named 'nonesuch'")

    monkeypatch.setitem(peers.PEERS, "nonesuch", not_installed)
    _annotate(corpus)
    assert extraction.main(["--workdir", str(corpus), "--peers", "all"]) == 0
    out = capsys.readouterr().out
    rows = {line[:24].strip(): line[24:].split() for line in out.splitlines()[2:]}
    assert out.startswith("2 pages\n")
    assert rows["nonesuch"][:2] == ["not", "installed"]
    figures = {name: row for name, row in rows.items() if row and row[0][0].isdigit()}
    assert {"trafilatura (default)", "archiver", "trafilatura (precision)"} <= set(figures)
    absent = {name for name, row in rows.items() if row[:2] == ["not", "installed"]}
    # Every peer is a row: with figures when installed (the bench extra), named absent when not.
    assert set(figures) | absent == {*peers.PEERS, "trafilatura (default)", "archiver"}
    assert not set(figures) & absent
    # The article paragraph is found and the footer dropped by ours: precision and recall 1.
    assert figures["archiver"][:3] == ["1.000", "1.000", "1.000"]
    assert all(float(row[3]) > 0 and row[4].isdigit() for row in figures.values())


def test_a_peer_that_raises_scores_the_page_as_empty_and_counts_a_failure(corpus: Path) -> None:
    from benchmarks import extraction

    _annotate(corpus)
    pages = extraction.load_pages(corpus, None)

    def flaky(html: str, url: str) -> str:
        if url.endswith("story-2"):
            raise ValueError("All strings must be XML compatible")
        return html

    (result,) = extraction.score({"flaky": flaky}, pages)
    assert (result.failures, result.tp, result.fn, result.fp) == (1, 1, 1, 1)


def test_peers_read_the_page_language_and_the_text_of_block_html() -> None:
    from benchmarks.peers import html_text, stoplist_for

    assert stoplist_for('<!doctype html><html class="x" lang="de-DE"><p>Hallo') == "German"
    assert stoplist_for("<html lang=pl><body>") == "Polish"
    assert stoplist_for("<html><body>no language") == "English"
    assert stoplist_for('<html lang="tlh">') == "English"
    text = html_text("<div><p>One<b>word</b>.</p><p>Two</p><ul><li>a</li><li>b</li></ul></div>")
    assert text.split() == ["Oneword.", "Two", "a", "b"]
    assert html_text("") == ""


def test_the_benchmark_refuses_to_reach_beyond_loopback_while_peers_run() -> None:
    import socket

    from benchmarks.peers import offline

    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with offline():
            with pytest.raises(OSError, match="offline"):
                socket.create_connection(("192.0.2.1", 80), timeout=1)
            with pytest.raises(OSError, match="offline"):
                socket.getaddrinfo("example.org", 80)
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert (socket.socket.connect, socket.getaddrinfo) == (connect, getaddrinfo)


def test_peer_costs_reads_import_time_and_memory_from_fresh_processes(corpus: Path) -> None:
    from benchmarks import peer_costs

    assert peer_costs.import_micros("pass") == 0  # start-up imports are not the statement's
    assert peer_costs.import_micros("import decimal") > 0
    _annotate(corpus)
    figures = peer_costs.measure("jusText", 2, corpus, runs=1)
    assert figures["import_alone_s"] > 0
    # trafilatura imports jusText: a worker pays nothing to import it, a bare process does.
    assert figures["worker_rss_import_mib"] < 1 < figures["bare_rss_import_mib"]
    assert figures["worker_failures"] == figures["bare_failures"] == 0
