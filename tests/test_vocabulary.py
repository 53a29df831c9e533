"""The cleaning vocabulary is data: every file is read and checked, and a language is a file.

The made-up language "xx" and its words exist only here.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from archiver.extraction.cleaning import Block, clean_blocks
from archiver.extraction.lexicon import COMMON, VocabularyError, load_lexicon, read_folder

PACKAGED = Path(str(files("archiver.extraction") / "vocabulary"))

# The languages with a full vocabulary (it, nl and pl have only their commonest labels) and the
# keys each of them holds; reading times, the read-verb labels and the like are not in all.
FULL_LANGUAGES = ("de", "en", "es", "fr", "pt", "ru")
FULL_KEYS = {
    *("phrases.appeal", "phrases.mission", "phrases.subscribe", "phrases.social", "phrases.app"),
    *("phrases.legal", "phrases.cookie", "phrases.comments", "phrases.meta", "phrases.bio"),
    *("labels.related", "labels.more", "labels.navigation", "labels.tag_list"),
    *("labels.advertising", "labels.credit", "labels.caption_credit"),
    *("shape.imperative", "shape.currency", "shape.period", "shape.you", "shape.reporting"),
}

MADE_UP_LANGUAGE = """
[phrases]
appeal = ['glorp (?:ka|ku) fendu']
"""
# A page in the made-up language: two sentences of reporting and an appeal.
MADE_UP_PAGE = [
    "Vorla menti brask ulo tarnesk vili, oskar plen dura misk ovel tarn vesko.",
    "Tarnesk ulo brask menti, plen oskar dura vili misk.",
    "Glorp ka fendu!",
]


def copy_of_packaged(folder: Path) -> Path:
    """``folder`` holding a copy of every packaged vocabulary file."""
    folder.mkdir()
    for path in PACKAGED.glob("*.toml"):
        shutil.copy(path, folder)
    return folder


def test_every_packaged_file_is_read_and_holds_the_expected_keys() -> None:
    lists = read_folder(PACKAGED)
    assert {COMMON, *FULL_LANGUAGES, "it", "nl", "pl"} <= set(lists)
    for name in FULL_LANGUAGES:
        missing = FULL_KEYS - set(lists[name])
        assert not missing, (name, missing)
    assert {"words.networks", "shape.currency_symbol"} <= set(lists[COMMON])
    for name, keys in lists.items():
        assert keys and all(keys.values()), name  # no empty file, no empty list


def test_the_packaged_folder_is_the_default_and_is_built_once() -> None:
    lexicon = load_lexicon()
    assert load_lexicon() is lexicon
    assert lexicon.languages == tuple(sorted(p.stem for p in PACKAGED.glob("??.toml")))
    assert load_lexicon(PACKAGED).languages == lexicon.languages


def test_a_new_language_is_a_new_file_and_no_code(tmp_path: Path) -> None:
    without = copy_of_packaged(tmp_path / "without")
    with_language = copy_of_packaged(tmp_path / "with")
    (with_language / "xx.toml").write_text(MADE_UP_LANGUAGE, encoding="utf-8")
    page = [Block(text) for text in MADE_UP_PAGE]

    kept = clean_blocks(page, "xx", load_lexicon(without))
    assert [block.text for block in kept] == MADE_UP_PAGE

    lexicon = load_lexicon(with_language)
    assert "xx" in lexicon.languages
    kept = clean_blocks(page, "xx", lexicon)
    assert [block.text for block in kept] == MADE_UP_PAGE[:2]
    # and the packaged languages still count next to it
    kept = clean_blocks([*page[:2], Block("Subscribe to our newsletter!")], "xx", lexicon)
    assert [block.text for block in kept] == MADE_UP_PAGE[:2]


@pytest.mark.parametrize(
    ("content", "fault"),
    [
        ("[phrases]\nappeal = ['donate now'\n", "Unclosed array"),
        ("[phrase]\nappeal = ['donate now']\n", "[phrase] is no vocabulary table"),
        ("[phrases]\nappeals = ['donate now']\n", "unknown key phrases.appeals"),
        ("[phrases]\nappeal = 'donate now'\n", "phrases.appeal is not a list of strings"),
        ("[phrases]\nappeal = ['Donate now']\n", "'Donate now' is not in lower case"),
        ("[phrases]\nappeal = ['donate (?:now']\n", "is not a regular expression"),
        ("[labels]\nrelated = ['read more)|(?:see']\n", "is not a regular expression"),
        ("[labels]\nrelated = ['read more\\']\n", "is not a regular expression"),
        ("[labels]\nrelated = ['(read) more']\n", "has a capturing group"),
        ("[phrases]\nappeal = ['donate (now|today)']\n", "has a capturing group"),
        ("[phrases]\nappeal = ['[$€]\\d+']\n", "needs a literal word"),
        ("[words]\ncommon = ['the end']\n", "'the end' is not one lower-case word"),
    ],
)
def test_a_faulty_file_is_named_in_one_line(tmp_path: Path, content: str, fault: str) -> None:
    (tmp_path / "xx.toml").write_text(content, encoding="utf-8")
    with pytest.raises(VocabularyError) as raised:
        load_lexicon(tmp_path)
    message = str(raised.value)
    assert "xx.toml" in message and fault in message
    assert "\n" not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_file_must_be_named_by_a_language_code(tmp_path: Path) -> None:
    (tmp_path / "english.toml").write_text("", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"english\.toml: name a vocabulary file"):
        load_lexicon(tmp_path)


def test_a_folder_without_vocabulary_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("no vocabulary here", encoding="utf-8")
    with pytest.raises(VocabularyError, match="no vocabulary files"):
        load_lexicon(tmp_path)
