"""A site whose appeal, newsletter box and bio sit inside the article body, crawled end to end."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html

from archiver.serving.loopback import SampleSite
from tests.conftest import TEST_SITES, run_archiver

ROOT = TEST_SITES / "appeal-news"
EXPECTED = json.loads((ROOT / "expected.json").read_text(encoding="utf-8"))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def reporting_paragraphs(path: str) -> list[str]:
    tree = html.parse(str(ROOT / path.lstrip("/")))
    return [normalise(p.text_content()) for p in tree.xpath("//div[@class='article-body']/p")]


def article_texts(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return {
            url: normalise(text) for url, text in conn.execute("SELECT url, text FROM articles")
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    work = tmp_path_factory.mktemp("appeal")
    with SampleSite(ROOT, "127.0.0.5") as site:
        result = run_archiver("crawl", site.url, "--db", "a.db", "--warc-dir", "w", cwd=work)
        assert result.returncode == 0, result.stderr[-3000:]
        yield work, site.url


def test_no_appeal_pitch_or_bio_sentence_is_stored(crawled: tuple[Path, str]) -> None:
    work, _ = crawled
    texts = article_texts(work / "a.db")
    assert len(texts) == len(EXPECTED["articles"])
    for url, text in texts.items():
        for sentence in EXPECTED["boilerplate"]:
            assert normalise(sentence) not in text, (url, sentence)


def test_every_article_paragraph_is_kept(crawled: tuple[Path, str]) -> None:
    work, base = crawled
    texts = article_texts(work / "a.db")
    for path, page in EXPECTED["articles"].items():
        text = texts[base + path.lstrip("/")]
        paragraphs = reporting_paragraphs(path)
        assert len(paragraphs) >= 3
        for paragraph in paragraphs:
            assert paragraph in text, (path, paragraph[:60])
        if page.get("trap"):
            assert normalise(page["trap_sentence"]) in text


def test_boilerplate_command_lists_the_learned_appeal(crawled: tuple[Path, str]) -> None:
    work, base = crawled
    host = base.split("//")[1].rstrip("/")
    result = run_archiver("boilerplate", "--site", host, "--db", "a.db", "--limit", "500", cwd=work)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "small favor to ask" in line]
    assert lines and "strip" in lines[0]
    assert f"{len(EXPECTED['articles'])} pages" in lines[0]


def test_reextract_from_warc_gives_the_text_the_crawl_stored(crawled: tuple[Path, str]) -> None:
    work, _ = crawled
    result = run_archiver("reextract", "--warc-dir", "w", "--db", "rebuilt.db", cwd=work)
    assert result.returncode == 0, result.stderr
    assert f"new: {len(EXPECTED['articles'])}" in result.stdout
    assert article_texts(work / "rebuilt.db") == article_texts(work / "a.db")


def test_reclean_is_stable_on_a_clean_archive(crawled: tuple[Path, str]) -> None:
    work, _ = crawled
    before = article_texts(work / "a.db")
    result = run_archiver("reclean", "--db", "a.db", cwd=work)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 of ")
    assert article_texts(work / "a.db") == before


def test_reclean_gives_rows_stored_without_reasons_their_reasons(
    crawled: tuple[Path, str], tmp_path: Path
) -> None:
    work, _ = crawled
    db = tmp_path / "old.db"
    shutil.copyfile(work / "a.db", db)
    conn = sqlite3.connect(db)
    try:
        stored = dict(conn.execute("SELECT id, extracted FROM articles").fetchall())
        for article_id, extracted in stored.items():
            data = json.loads(extracted)
            assert len(data.pop("reasons")) == len(data["kept"])
            conn.execute(
                "UPDATE articles SET extracted = ? WHERE id = ?", [json.dumps(data), article_id]
            )
        conn.commit()
    finally:
        conn.close()
    before = article_texts(db)
    result = run_archiver("reclean", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 of ")  # the text is the same; the reasons are back
    assert article_texts(db) == before
    conn = sqlite3.connect(db)
    try:
        again = dict(conn.execute("SELECT id, extracted FROM articles").fetchall())
    finally:
        conn.close()
    assert {i: json.loads(e) for i, e in again.items()} == {
        i: json.loads(e) for i, e in stored.items()
    }
    reasons = [r for e in again.values() for r in json.loads(e)["reasons"] if r is not None]
    assert reasons and set(reasons) == {"appeal"}  # the appeal inside the body, on every page
