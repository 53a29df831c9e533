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
