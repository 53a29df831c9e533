"""The region stage: the shipped model, and pages whose article trafilatura alone gets wrong."""

from __future__ import annotations

import json
import re
import time

import pytest
import trafilatura
from click.testing import CliRunner

from archiver.cli import cli
from archiver.extraction.explain import KEPT, LEFT_OUT, explain_page
from archiver.extraction.extract import extract_article
from archiver.extraction.regions import FEATURES, MODEL_FILE, TreeModel, shipped_model
from tests.conftest import REPO

PINNED = REPO / "tests" / "data" / "regions-pinned.json"
ARTIFACT = REPO / "archiver" / "extraction" / "models" / MODEL_FILE


def test_the_model_ships_in_the_package_as_small_plain_json() -> None:
    assert ARTIFACT.stat().st_size < 5_000_000
    data = json.loads(ARTIFACT.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert len(data["trees"]) == data["params"]["n_estimators"]
    start = time.perf_counter()
    model = TreeModel.from_json(data)
    assert time.perf_counter() - start < 2.0
    assert shipped_model() == model


def test_the_shipped_model_gives_the_verdicts_it_gave_in_training() -> None:
    """A dozen corpus pages' candidate lines, as benchmarks/lines/train.py scored them."""
    model = shipped_model()
    assert model is not None
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert len(pinned) == 12
    added = 0
    for page in pinned:
        probabilities = model.probabilities(page["rows"])
        for mine, theirs in zip(probabilities, page["probabilities"], strict=True):
            assert abs(mine - theirs) < 1e-9, page["url"]
        verdicts = [p >= model.threshold for p in probabilities]
        assert verdicts == page["added"], page["url"]
        added += sum(verdicts)
    assert 0 < added < sum(len(page["rows"]) for page in pinned)  # both verdicts pinned


STORY = [
    "The harbour board voted on Tuesday to reopen the northern ferry route after a winter of"
    " repairs to the pier, ending four months in which islanders had to travel by the southern"
    " crossing.",
    "Board chair Helen Marsh said the repairs had cost 2.4 million and came in under budget, and"
    " that the first sailing would leave the mainland at seven on Monday morning.",
    "Islanders had complained that the southern crossing added more than an hour to the journey,"
    " and several shops on the island said their deliveries had been delayed for weeks.",
    "The board also approved a new timetable that adds two evening sailings on Fridays during the"
    " summer, when visitors to the island festival fill the boats.",
    "Ticket prices will stay the same until the end of the year, the board said, although it"
    " warned that fuel costs could force a rise in the spring.",
    "Marsh said the board would publish a report on the repairs next month, including the reasons"
    " the work took longer than the engineers had first estimated.",
]
# The story's second half, in a sibling container.
MORE = [
    "The ferry company said it would hire six more deckhands before the summer, and that the"
    " crews laid off in the autumn had been offered their old jobs back at the same pay.",
    "Harbour master Tom Ibsen said the new pier could take the larger boats the company plans to"
    " buy, which would carry up to forty cars instead of the twenty-six the old ones take.",
    "Residents of the northern villages welcomed the news, saying the winter had cut them off"
    " from the hospital and the secondary school on the mainland for most of the week.",
    "The parish council had written twice to the harbour board asking for a temporary service,"
    " which the board refused because the pier was not safe for passengers to use.",
    "A survey of the pier by engineers from the county found that the storms of last March had"
    " washed away much of the stone under its seaward end, and that it had been close to collapse.",
    "The first sailing on Monday will carry the island's mail, which has come by the southern"
    " route since November and arrived a day late for most of the winter.",
]
URL = "https://island.example/news/ferry-route-reopens"


# A real page's weight: most of it is inline code (the region stage skips pages whose text is a
# large share of their markup, as these tiny pages would be without it).
CODE = (
    "<script>" + "window.dataLayer.push({event: 'view', section: 'news'});\n" * 1200 + "</script>"
)


def _page(body: str, head: str = "") -> str:
    return (
        '<html lang="en"><head><title>Ferry route reopens</title>'
        f"{CODE}{head}</head><body>"
        "<div class='nav'><a href='/'>Home</a> <a href='/news'>News</a></div>"
        f"<div id='page'><h1>Ferry route reopens</h1>{body}</div>"
        "<div class='footer'><p>© 2026 Island Times</p></div></body></html>"
    )


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


# The story in <article>, an advertisement, and the story's second half in a sibling container:
# trafilatura keeps the first container only; resiliparse holds both.
SPLIT = _page(
    f'<article><div class="article-body">{_paragraphs(STORY)}</div></article>'
    '<div class="ad-slot"><p>Advertisement</p></div>'
    f'<div class="article-body">{_paragraphs(MORE)}</div>'
)


def test_a_body_split_across_sibling_containers_comes_back_whole() -> None:
    plain = trafilatura.extract(SPLIT, url=URL) or ""
    assert [line in plain for line in STORY + MORE] == [True] * 6 + [False] * 6
    article = extract_article(SPLIT, URL)
    assert article is not None
    assert article.text.split("\n") == STORY + MORE
    assert article.raw_text.split("\n") == STORY  # trafilatura's own text


def test_a_split_body_shows_what_each_opinion_said_of_the_missing_half() -> None:
    explanation = explain_page(SPLIT, URL)
    assert explanation is not None
    for line in MORE:
        (block,) = [b for b in explanation.blocks if b.text == line]
        assert block.verdict == KEPT and block.added
        evidence = " · ".join(block.evidence)
        assert re.search(
            r"trafilatura: not selected · resiliparse: selected · region model 0\.[0-6]\d < 0\.7"
            r" · in a twin of the body's container \(div\.article-body\): added",
            evidence,
        ), evidence
    ad = next(b for b in explanation.blocks if b.text == "Advertisement")
    assert ad.verdict == LEFT_OUT
    assert re.search(r"region model 0\.0\d < 0\.7", " · ".join(ad.evidence))
    assert "twin" not in " · ".join(ad.evidence)


# Containers named like the body's that are not more of it: another story's teaser (a linked
# headline), the next post of a listing (its own <article>, or under its linked title). Asides,
# lists and containers named "related" never reach the stage: resiliparse leaves them out.
NOT_TWINS = {
    "teaser": '<div class="article-body"><h3><a href="/news/other">Pier works</a></h3>{}</div>',
    "listing": '<article><div class="article-body">{}</div></article>',
    "titled post": '<div class="post"><h2><a href="/news/other">Pier works</a></h2>'
    '<div class="article-body">{}</div></div>',
}


@pytest.mark.parametrize("shape", sorted(NOT_TWINS))
def test_a_container_named_like_the_body_but_not_of_it_stays_out(shape: str) -> None:
    page = _page(
        f'<article><div class="article-body">{_paragraphs(STORY)}</div></article>'
        '<div class="ad-slot"><p>Advertisement</p></div>'
        + NOT_TWINS[shape].format(_paragraphs(MORE))
    )
    article = extract_article(page, URL)
    assert article is not None
    assert article.text.split("\n") == STORY


# The story split across sibling containers, its middle in one marked as an embed (as publishers
# wrap the paragraphs around a video or a map): trafilatura prunes the embed.
EMBEDDED = _page(
    f'<div class="article-body">{_paragraphs(STORY[:3])}'
    f'<div class="embed">{_paragraphs(MORE[:2])}</div>{_paragraphs(STORY[3:])}</div>'
)


def test_a_body_split_around_an_embed_comes_back_whole() -> None:
    plain = trafilatura.extract(EMBEDDED, url=URL) or ""
    assert MORE[0] not in plain and MORE[1] not in plain
    article = extract_article(EMBEDDED, URL)
    assert article is not None
    assert article.text.split("\n") == [*STORY[:3], *MORE[:2], *STORY[3:]]  # in page order
    assert article.raw_text == "\n".join(line.strip() for line in plain.splitlines())
    added = [b.text for b, s in zip(article.blocks, article.scores, strict=True) if s is not None]
    assert added == MORE[:2]
    explanation = explain_page(EMBEDDED, URL)
    assert explanation is not None
    shown = [b for b in explanation.blocks if b.added]
    assert [b.text for b in shown] == MORE[:2]
    for block in shown:
        evidence = " · ".join(block.evidence)
        assert block.verdict == KEPT and block.layer is None
        assert re.search(
            r"trafilatura: not selected · resiliparse: selected"
            r" · region model 0\.\d\d ≥ 0\.7: added",
            evidence,
        ), evidence
    output = CliRunner().invoke(cli, ["extract", "-", "--url", URL, "--explain"], input=EMBEDDED)
    assert re.search(r"\n\s+#3 ADDED\s+p\s+The ferry company said", output.output), output.output
    assert "added by the region stage 2" in output.output


def test_a_page_that_is_mostly_its_text_is_not_widened() -> None:
    light = EMBEDDED.replace(CODE, "")
    article = extract_article(light, URL)
    assert article is not None
    assert article.scores == ()  # nothing added: trafilatura's text is most of the page
    assert MORE[0] not in article.text
    explanation = explain_page(light, URL)
    assert explanation is not None
    (block,) = [b for b in explanation.blocks if b.text == MORE[0]]
    assert block.verdict == LEFT_OUT
    assert "region stage skipped: trafilatura's text is 5% of the page or more" in block.evidence


def test_a_teaser_list_beside_the_story_stays_out() -> None:
    teasers = [
        ("Library extends opening hours for exam season", "It will stay open until ten at night."),
        ("Storm warning issued for the coast", "Forecasters expect gusts of up to 90 km/h."),
        ("School board names new head of the district", "The appointment ends a long search."),
    ]
    items = "".join(
        f'<li><a href="/news/{i}"><h3>{title}</h3></a><p>{summary}</p></li>'
        for i, (title, summary) in enumerate(teasers)
    )
    html = _page(
        f"<article>{_paragraphs(STORY)}</article>"
        f'<section class="top-stories"><h2>Top stories</h2><ul>{items}</ul></section>'
    )
    article = extract_article(html, URL)
    assert article is not None
    assert article.text.split("\n") == STORY
    for title, summary in teasers:
        assert title not in article.text and summary not in article.text


def test_a_body_only_in_json_ld_is_found() -> None:
    declared = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Ferry route reopens",
        "articleBody": " ".join(STORY),
        "author": {"@type": "Person", "name": "Ana Ruiz"},
    }
    script = f'<script type="application/ld+json">{json.dumps(declared)}</script>'
    html = _page('<div id="app"></div><noscript>Please enable JavaScript.</noscript>', script)
    article = extract_article(html, URL)
    assert article is not None
    assert all(line in article.text for line in STORY)
    assert "enable JavaScript" not in article.text and article.author == ("Ana Ruiz",)


def test_a_bio_that_belongs_to_the_story_stays_and_the_writer_s_goes() -> None:
    subject = (
        "Helen Marsh is a former ferry captain who has chaired the harbour board since 2019;"
        " she writes about island history for the parish magazine."
    )
    writer = "Ana Ruiz is a reporter covering the islands. Contact her at ana@island.example."
    article = extract_article(_page(f"<article>{_paragraphs([*STORY, subject])}</article>"), URL)
    assert article is not None
    assert article.text.split("\n") == [*STORY, subject]
    article = extract_article(_page(f"<article>{_paragraphs([*STORY, writer])}</article>"), URL)
    assert article is not None
    assert article.text.split("\n") == STORY
    assert article.reasons[-1] == "author bio"
