"""``trafilatura_body`` must stay what ``bare_extraction`` returns, on every bundled test page.

It calls trafilatura's extraction sequence directly to skip a copy of the tree; a trafilatura
release that changes what ``bare_extraction`` does around that sequence fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from trafilatura import bare_extraction
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from archiver.decoding import decode_html
from archiver.extract import trafilatura_body

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [
        *(ROOT / "archiver" / "sample_sites").rglob("*.html"),
        *(ROOT / "tests" / "site").rglob("*.html"),
    ]
)


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_trafilatura_body_is_bare_extractions_body(path: Path) -> None:
    markup = decode_html(path.read_bytes())
    url = f"https://example.org/{path.name}"
    document = bare_extraction(load_html(markup), url=url, include_comments=False)
    body = trafilatura_body(load_html(markup), url)
    if document is None:
        assert body is None
    else:
        assert body is not None
        assert xmltotxt(body, False) == xmltotxt(document.body, False)


def test_prune_selectors_apply_as_in_bare_extraction() -> None:
    path = ROOT / "tests" / "site" / "appeal-news" / "index.html"
    pages = [p for p in PAGES if "appeal-news/news" in str(p)]
    markup = decode_html(pages[0].read_bytes())
    prune = ("//p[1]",)
    document = bare_extraction(
        load_html(markup), url="https://x.org/a", include_comments=False, prune_xpath=list(prune)
    )
    body = trafilatura_body(load_html(markup), "https://x.org/a", prune)
    assert document is not None and body is not None and path.exists()
    assert xmltotxt(body, False) == xmltotxt(document.body, False)
    unpruned = trafilatura_body(load_html(markup), "https://x.org/a")
    assert unpruned is not None and xmltotxt(unpruned, False) != xmltotxt(body, False)
