"""``archiver extract --explain``: every block of a page with its verdict and why."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner

from archiver.cli import cli
from archiver.extraction.explain import DROPPED, KEPT, LEFT_OUT, BlockExplanation, explain_page
from archiver.extraction.extract import extract_article
from storage.boilerplate import block_fingerprint
from tests.conftest import EDITED_PAGE, TEST_SITES, copy_archive

ROOT = TEST_SITES / "appeal-news"
PAGE = ROOT / "news" / "2026" / "10" / "council-approves-parking-meter-hike.html"
TRAP = ROOT / "news" / "2026" / "10" / "food-bank-holiday-drive-goal.html"
URL = "https://ledger.example/news/2026/10/council-approves-parking-meter-hike.html"
ASK = "Your support, no matter how small, keeps reporters at City Hall"
NEWSLETTER = "Northgate's news in five minutes, delivered to your inbox"
FIRST = "The Northgate City Council voted 6-3 on Tuesday to double parking rates downtown"


def _block(blocks: tuple[BlockExplanation, ...], start: str) -> BlockExplanation:
    return next(b for b in blocks if b.text.startswith(start))


def test_the_verdicts_are_the_extraction_s_own() -> None:
    html = PAGE.read_bytes()
    explanation = explain_page(html, URL)
    article = extract_article(html, URL)
    assert explanation is not None and article is not None
    assert explanation.text == article.text
    selected = [b for b in explanation.blocks if b.index is not None]
    assert [b.index for b in selected] == list(range(len(article.blocks)))
    assert [b.verdict == KEPT for b in selected] == list(article.kept)


def test_a_dropped_appeal_names_its_layer_reason_and_rule() -> None:
    explanation = explain_page(PAGE.read_bytes(), URL)
    assert explanation is not None
    ask = _block(explanation.blocks, ASK)
    assert (ask.verdict, ask.layer, ask.reason) == (DROPPED, "in-page", "appeal")
    evidence = " · ".join(ask.evidence)
    assert "trafilatura: selected" in evidence
    assert re.search(r"pitch score \d+\.\d", evidence)
    assert "in-page layer: pitch score ≥ 3.5 drops a block anywhere" in evidence


def test_text_trafilatura_left_out_is_shown_where_the_page_has_it() -> None:
    explanation = explain_page(PAGE.read_bytes(), URL)
    assert explanation is not None
    texts = [b.text for b in explanation.blocks]
    newsletter = _block(explanation.blocks, NEWSLETTER)
    assert newsletter.verdict == LEFT_OUT
    assert "trafilatura: not selected" in newsletter.evidence
    headline = _block(explanation.blocks, "Council doubles downtown parking rates")
    assert "the headline: stored as the title" in headline.evidence
    # page order: headline, then the story's first line, then the newsletter box after the story
    first = next(i for i, t in enumerate(texts) if t.startswith(FIRST))
    assert texts.index(headline.text) < first < texts.index(newsletter.text)
    footer = _block(explanation.blocks, "Privacy")
    assert "inside <footer>" in footer.evidence


def test_a_reporting_sentence_with_appeal_words_is_kept_with_its_scores() -> None:
    explanation = explain_page(TRAP.read_bytes(), "https://ledger.example/food-bank.html")
    assert explanation is not None
    quote = _block(explanation.blocks, "“If you are able to donate, this is the year")
    assert quote.verdict == KEPT and quote.layer is None
    assert any(e.startswith("pitch score ") for e in quote.evidence)


def test_the_cli_prints_every_block_readably() -> None:
    result = CliRunner().invoke(cli, ["extract", str(PAGE), "--url", URL, "--explain"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Council doubles downtown parking rates")
    assert re.match(r"\d+ blocks: 8 kept; dropped by the in-page layer \d+", lines[1])
    ask = next(i for i, line in enumerate(lines) if ASK in line)
    assert re.match(r"\s+#\d+ DROPPED\s+p\s+Your support", lines[ask])
    assert lines[ask + 1].strip().startswith("in-page layer: appeal · trafilatura: selected")
    kept = next(i for i, line in enumerate(lines) if FIRST in line)
    assert re.match(r"\s+#0 KEPT\s+p\s+", lines[kept])
    assert all(len(line) < 140 for line in lines[3::2])  # each block line: its text cut at 110


def test_the_cli_explains_in_json() -> None:
    args = ["extract", str(PAGE), "--url", URL, "--explain", "--format", "json"]
    data = json.loads(CliRunner().invoke(cli, args).output)
    assert data["url"] == URL
    assert FIRST in data["text"]
    verdicts = {b["verdict"] for b in data["blocks"]}
    assert verdicts == {KEPT, DROPPED, LEFT_OUT}
    ask = next(b for b in data["blocks"] if b["text"].startswith(ASK))
    assert ask["reason"] == "appeal" and ask["layer"] == "in-page" and ask["index"] >= 0


def test_the_site_layer_of_an_archive_is_explained(
    appeal_archive: tuple[Path, str], tmp_path: Path
) -> None:
    work, base = appeal_archive
    db = copy_archive(work, tmp_path) / "news.db"
    name = "news/2026/10/teachers-ratify-three-year-contract.html"
    assert name != EDITED_PAGE
    url = base.rstrip("/") + "/" + name
    site = urlsplit(url).netloc
    article = extract_article((ROOT / name).read_bytes(), url)
    assert article is not None
    last = article.text.split("\n")[-1]  # the site now "repeats" the story's last line
    conn = sqlite3.connect(db)
    with conn:
        found = conn.execute(
            "UPDATE site_blocks SET pages = 40 WHERE site = ? AND fingerprint = ?",
            [site, block_fingerprint(last)],
        )
        assert found.rowcount == 1
    conn.close()
    assert CliRunner().invoke(cli, ["reclean", "--db", str(db)]).exit_code == 0
    conn = sqlite3.connect(db)
    (stored,) = conn.execute("SELECT text FROM articles WHERE url = ?", [url]).fetchone()
    conn.close()
    assert last not in stored
    page = str(ROOT / name)
    plain = CliRunner().invoke(cli, ["extract", page, "--url", url, "--db", str(db)])
    assert plain.exit_code == 0, plain.output
    assert plain.output.rstrip("\n") == stored  # the archive's own text, both layers applied
    args = ["extract", page, "--url", url, "--db", str(db), "--explain", "--format", "json"]
    data = json.loads(CliRunner().invoke(cli, args).output)
    assert data["text"] == stored
    (by_site,) = [b for b in data["blocks"] if b["layer"] == "site"]
    assert (by_site["text"], by_site["verdict"]) == (last, DROPPED)
    assert by_site["reason"] == "site block seen on 40 pages"
    args = ["extract", page, "--url", url, "--db", str(db), "--explain"]
    output = CliRunner().invoke(cli, args).output
    assert "site layer: site block seen on 40 pages" in output
    assert "by the site layer 1;" in output


def test_db_needs_an_archive_and_an_address(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["extract", str(PAGE), "--db", str(tmp_path / "no.db")])
    assert missing.exit_code == 2
    assert f"no archive at {tmp_path / 'no.db'}" in missing.output
    db = tmp_path / "a.db"
    sqlite3.connect(db).close()
    db.write_bytes(b"")
    stdin = CliRunner().invoke(cli, ["extract", "-", "--db", str(db)], input=PAGE.read_bytes())
    assert stdin.exit_code == 2
    assert "the site layer needs the page's address" in stdin.output
    assert "Traceback" not in stdin.output
