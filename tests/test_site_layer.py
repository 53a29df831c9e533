"""The site layer on a real SQLite archive: blocks learned per site, stripped past a threshold."""

from __future__ import annotations

from pathlib import Path

from storage.boilerplate import block_fingerprint
from storage.clock import now_iso
from storage.extracted import encode_extracted
from storage.rows import ArticleRow
from storage.store import ArticleStore

APPEAL = "Support our newsroom today: give from just $2 a month."
PITCH = "Sign up for The Morning Brief, delivered every weekday."


def row(url: str, site: str, blocks: list[str], title: str = "A story") -> ArticleRow:
    kept = tuple(True for _ in blocks)
    extracted = encode_extracted([[b] for b in blocks], kept)
    return ArticleRow(url, site, tuple(blocks), kept, extracted, now_iso(), title=title)


def texts(store: ArticleStore) -> dict[str, str]:
    return {r["url"]: r["text"] for r in store.articles()}


TOPICS = ["dredging", "ferry fares", "seawall", "fish market", "pilot boats", "lighthouse"]


def story(n: int) -> list[str]:
    return [f"Reporting paragraph {n}: the harbour board met to discuss the {TOPICS[n % 6]}."]


def test_a_block_on_one_page_is_never_stripped(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=1) as store:
        store.save_article(row("http://s/1", "s", [*story(1), APPEAL]))
        assert APPEAL in texts(store)["http://s/1"]


def test_a_block_is_stripped_from_every_page_once_it_reaches_the_threshold(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=3) as store:
        store.save_article(row("http://s/1", "s", [*story(1), APPEAL, PITCH]))
        store.save_article(row("http://s/2", "s", [*story(2), APPEAL]))
        assert all(APPEAL in text for text in texts(store).values())
        store.save_article(row("http://s/3", "s", [APPEAL, *story(3), PITCH]))
        found = texts(store)
        assert all(APPEAL not in text for text in found.values())
        assert all(story(n)[0] in found[f"http://s/{n}"] for n in (1, 2, 3))
        assert PITCH in found["http://s/1"]  # on two pages only


def test_sites_are_learned_separately(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=2) as store:
        store.save_article(row("http://a/1", "a", [*story(1), APPEAL]))
        store.save_article(row("http://b/1", "b", [*story(2), APPEAL]))
        assert all(APPEAL in text for text in texts(store).values())


def test_refetching_a_page_does_not_count_its_blocks_twice(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=2) as store:
        assert store.save_article(row("http://s/1", "s", [*story(1), APPEAL])) == "new"
        assert store.save_article(row("http://s/1", "s", [*story(1), APPEAL])) == "unchanged"
        changed = row("http://s/1", "s", [*story(9), APPEAL])
        assert store.save_article(changed) == "updated"
        assert APPEAL in texts(store)["http://s/1"]
        (learned,) = [b for b in store.boilerplate.learned("s") if b.sample == APPEAL]
        assert learned.pages == 1


def test_counting_folds_case_spacing_and_digits() -> None:
    assert block_fingerprint("© 2025 The  Ledger.") == block_fingerprint("© 2026 the ledger")
    assert block_fingerprint("Read more") != block_fingerprint("Read less")


def test_stripping_can_be_switched_off_but_blocks_are_still_counted(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=0) as store:
        for n in range(4):
            store.save_article(row(f"http://s/{n}", "s", [*story(n), APPEAL]))
        assert all(APPEAL in text for text in texts(store).values())
        assert max(b.pages for b in store.boilerplate.learned("s")) == 4


def test_in_page_verdicts_are_respected(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db") as store:
        blocks = [*story(1), PITCH]
        extracted = encode_extracted([[b] for b in blocks], [True, False])
        store.save_article(
            ArticleRow("http://s/1", "s", tuple(blocks), (True, False), extracted, now_iso())
        )
        assert texts(store)["http://s/1"] == story(1)[0]


def test_a_block_twice_on_a_page_counts_one_page_and_keeps_its_last_text(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=2) as store:
        store.save_article(row("http://s/1", "s", [*story(1), "© 2025 Ledger", "© 2026 Ledger"]))
        assert "© 2025 Ledger" in texts(store)["http://s/1"]  # on one page, not two
        (learned,) = [b for b in store.boilerplate.learned("s") if "Ledger" in b.sample]
        assert (learned.pages, learned.sample) == (1, "© 2026 Ledger")
        store.save_article(row("http://s/2", "s", [*story(2), "© 2027 Ledger"]))
        assert all("Ledger" not in text for text in texts(store).values())


def test_a_page_of_many_blocks_is_counted_and_stripped_whole(tmp_path: Path) -> None:
    menu = [f"Section {chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(450)]
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=2) as store:
        store.save_article(row("http://s/1", "s", [*story(1), *menu]))
        assert {b.pages for b in store.boilerplate.learned("s")} == {1}
        assert len(store.boilerplate.learned("s")) == 451
        store.save_article(row("http://s/2", "s", [*menu, *story(2)]))
        assert texts(store) == {"http://s/1": story(1)[0], "http://s/2": story(2)[0]}
        assert sorted(b.sample for b in store.boilerplate.learned("s", min_pages=2)) == menu


def test_learning_an_article_again_counts_only_its_new_blocks(tmp_path: Path) -> None:
    with ArticleStore(tmp_path / "a.db", boilerplate_min_pages=2) as store:
        store.save_article(row("http://s/1", "s", [*story(1), APPEAL]))
        (article_id,) = [r["id"] for r in store.articles()]
        assert store.boilerplate.learn("s", article_id, [APPEAL, PITCH]) == set()
        pages = {b.sample: b.pages for b in store.boilerplate.learned("s")}
        assert pages == {story(1)[0]: 1, APPEAL: 1, PITCH: 1}
