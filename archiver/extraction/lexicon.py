"""The cleaning vocabulary: phrase lists read from ``vocabulary/*.toml``, merged and compiled once.

Every ``.toml`` file of the folder counts, in name order: ``<code>.toml`` holds one language's
lists (``code`` is its ISO 639-1 code), ``common.toml`` the language-neutral ones and the few
phrases that mix languages. A block is matched against the lists of all files together, since a
page's declared language is often missing or wrong, so a language is added by adding its file.
docs/vocabulary.md describes the keys; here is how they become the patterns the scores use.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from archiver.extraction.gates import (
    PrefixGate,
    Vocabulary,
    is_lower_case,
    phrase_keys,
    vocabulary,
    word_key,
)

# The kinds of pitch phrases with their weights, in the order a block's score adds them up.
PITCH_WEIGHTS = {
    "appeal": 2.0,
    "mission": 1.5,  # weak alone, telling next to an appeal
    "subscribe": 1.5,
    "social": 2.0,
    "app": 2.0,
    "legal": 3.0,
    "cookie": 1.5,
    "comments": 3.0,
    "reading_time": 3.0,
    "meta": 1.0,
    "paywall": 3.0,  # the prompt where a paywalled text stops: cleaning names it apart
}
# Author bios are scored apart: they count only in a run at the tail.
BIO_WEIGHT = 2.0
# The keys a vocabulary file may hold, by table.
KEYS = {
    "phrases": (*PITCH_WEIGHTS, "bio"),
    "labels": (
        *("related", "more", "read", "navigation", "tag_list", "advertising"),
        *("credit_opening", "credit", "caption_credit", "copyright"),
    ),
    "shape": (
        *("imperative_lead", "imperative", "currency_symbol", "currency", "period", "you"),
        "reporting",
    ),
    "words": ("common", "networks"),
}
# The file of the language-neutral lists; any other file is named by a language code.
COMMON = "common"
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_WORD = re.compile(r"[^\W\d_]+")

# A file's (or the merged) entries by "table.key".
Lists = dict[str, list[str]]


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Every vocabulary file merged and compiled: what the cleaning layer matches blocks with."""

    languages: tuple[str, ...]
    appeal: Vocabulary
    other_pitches: tuple[Vocabulary, ...]  # the other PITCH_WEIGHTS kinds, in that order
    bio: Vocabulary
    networks: frozenset[str]  # as gate keys
    gate: PrefixGate  # every key a pitch score compares prefixes with
    related_anywhere: re.Pattern[str]
    related_start: re.Pattern[str]
    related_label: re.Pattern[str]
    navigation: re.Pattern[str]
    advertising: re.Pattern[str]
    credit: re.Pattern[str]
    caption_credit: re.Pattern[str]
    copyright: re.Pattern[str]
    imperative: re.Pattern[str]
    money: re.Pattern[str]
    period: re.Pattern[str]
    you: re.Pattern[str]
    reporting: re.Pattern[str]

    @property
    def pitch_vocabularies(self) -> tuple[Vocabulary, ...]:
        """Every vocabulary a pitch score adds up, in PITCH_WEIGHTS order (not the bios)."""
        return (self.appeal, *self.other_pitches)

    @property
    def paywall(self) -> Vocabulary:
        """The paywall prompts' vocabulary (``[phrases] paywall``)."""
        return self.other_pitches[list(PITCH_WEIGHTS).index("paywall") - 1]

    def candidate_keys(self, lowered: str) -> frozenset[str]:
        """Pitch keys that may be word prefixes of ``lowered``: a superset of those that are."""
        return self.gate.candidates(lowered)


@functools.cache
def load_lexicon(folder: Traversable | None = None) -> Lexicon:
    """The lexicon of the vocabulary files in ``folder`` (default: the package's), built once."""
    folder = folder or files("archiver.extraction") / "vocabulary"
    return build_lexicon(read_folder(folder), str(folder))


def read_folder(folder: Traversable) -> dict[str, Lists]:
    """The lists of every vocabulary file in ``folder``, by file name without ``.toml``."""
    paths = sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    if not paths:
        raise VocabularyError(f"{folder}: no vocabulary files (*.toml)")
    return {path.name.removesuffix(".toml"): read_file(path) for path in paths}


def read_file(path: Traversable) -> Lists:
    """One vocabulary file's lists; a fault raises :class:`VocabularyError` naming the file."""
    name = path.name.removesuffix(".toml")
    if name != COMMON and not _LANGUAGE.fullmatch(name):
        raise VocabularyError(
            f"{path}: name a vocabulary file by its language code (en.toml) or common.toml"
        )
    try:
        return _checked(tomllib.loads(path.read_text(encoding="utf-8")))
    except ValueError as error:  # TOMLDecodeError and UnicodeDecodeError among them
        raise VocabularyError(f"{path}: {error}") from None


def _checked(data: dict[str, object]) -> Lists:
    """The lists of one parsed file, after checking its tables, keys and the case of entries."""
    lists: Lists = {}
    for table, keys in data.items():
        if table not in KEYS or not isinstance(keys, dict):
            raise ValueError(f"[{table}] is no vocabulary table; they are {', '.join(KEYS)}")
        for key, entries in keys.items():
            where = f"{table}.{key}"
            if key not in KEYS[table]:
                raise ValueError(f"unknown key {where}; [{table}] holds {', '.join(KEYS[table])}")
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                raise ValueError(f"{where} is not a list of strings")
            for entry in entries:
                if table == "words" and not (_WORD.fullmatch(entry) and entry == entry.lower()):
                    raise ValueError(f"{where}: {entry!r} is not one lower-case word")
                if key != "you" and not is_lower_case(entry):
                    raise ValueError(f"{where}: {entry!r} is not in lower case")
                if table != "words":
                    _check_pattern(where, entry)
            lists[where] = entries
    return lists


def _check_pattern(where: str, entry: str) -> None:
    """``ValueError`` naming ``where`` unless ``entry`` is a regex fit to join an alternation.

    Each entry is compiled on its own (about 20 ms for all, once per process): an entry that
    only compiles beside its neighbours, such as one ending in a backslash, would change them.
    """
    try:
        pattern = re.compile(entry)
    except re.error as error:
        raise ValueError(f"{where}: {entry!r} is not a regular expression: {error}") from None
    if pattern.groups:
        raise ValueError(f"{where}: {entry!r} has a capturing group; use (?:...)")
    if where.startswith("phrases."):
        phrase_keys(entry)  # raises when there is no word to gate on


def build_lexicon(lists_by_file: dict[str, Lists], source: str = "vocabulary") -> Lexicon:
    """Merge the files' lists (in the order given) and compile them into one :class:`Lexicon`.

    ``source`` is the folder the files come from, for the message of a :class:`VocabularyError`.
    """
    merged: Lists = {f"{table}.{key}": [] for table, keys in KEYS.items() for key in keys}
    for lists in lists_by_file.values():
        for where, entries in lists.items():
            merged[where].extend(entries)
    common = frozenset(merged["words.common"])
    try:
        pitch = tuple(
            vocabulary(weight, *merged[f"phrases.{kind}"], common=common)
            for kind, weight in PITCH_WEIGHTS.items()
        )
        networks = frozenset(word_key(name) for name in merged["words.networks"])
        parts: dict[str, Any] = {
            "languages": tuple(name for name in lists_by_file if name != COMMON),
            "appeal": pitch[0],
            "other_pitches": pitch[1:],
            "bio": vocabulary(BIO_WEIGHT, *merged["phrases.bio"], common=common),
            "networks": networks,
            "gate": PrefixGate.of(networks.union(*(v.keys for v in pitch))),
        }
        parts |= _label_patterns(merged) | _shape_patterns(merged)
        return Lexicon(**parts)
    except (re.error, ValueError) as error:  # entries that each compile, but not together
        raise VocabularyError(f"{source}: the lists do not compile together: {error}") from None


def _label_patterns(merged: Lists) -> dict[str, re.Pattern[str]]:
    """Related, navigation, advertising, credit and copyright labels, by Lexicon field.

    Matched against the lower-cased block (a third of the time of a case-insensitive match).
    """
    related, more = _any(merged["labels.related"]), _any(merged["labels.more"])
    return {
        # In a short block that is no sentence, or opening one: "Das Thema könnte dich auch
        # interessieren:", "Lesen Sie auch unseren Kommentar."
        "related_anywhere": re.compile(r"(?<!\w)(?:" + related + r")(?!\w)"),
        # Opening a block: "Weitere Informationen zum Thema <x>:", "Lesen Sie auch den Kommentar".
        "related_start": re.compile(r"^\W{0,3}(?:" + related + "|" + more + r")(?!\w)"),
        # Opening a block, alone or before a separator: "Read more: <headline>".
        "related_label": re.compile(
            r"^\W{0,3}(?:(?:" + related + "|" + more + r")(?:\s*[:|»›>→]|\s+[–-]\s|\s*\.{3}|\s*…"
            r"|\W*$)|(?:" + _any(merged["labels.read"]) + r")\s*:)"
        ),
        # A block that is only a navigation label or a button: a tag list's label, a table of
        # contents, "Show more"; or that opens with the label of a tag list: "Tags: ...".
        "navigation": re.compile(
            r"^\W{0,3}(?:" + _any(merged["labels.navigation"]) + r")\W{0,3}$"
            r"|^\W{0,3}(?:" + _any(merged["labels.tag_list"]) + r")\s*:"
        ),
        # An advertising label: the whole block, or its opening word followed by a separator.
        "advertising": re.compile(
            r"^\W{0,3}(?:" + _any(merged["labels.advertising"]) + r")\W{0,3}(?:$|[:.\-–|*] )"
        ),
        # Photo credits and source lines: "Foto: dpa", "(Credit: Jane Doe / Agency)", "© Reuters".
        "credit": re.compile(
            r"^\W{0,2}(?:" + _any(merged["labels.credit_opening"]) + ")"
            r"|^\W{0,2}(?:" + _any(merged["labels.credit"]) + r")\s*:"
        ),
        # A photo credit closing a caption: "... in Berlin (Photo: Jane Doe/Agency)."
        "caption_credit": re.compile(
            r"\((?:" + _any(merged["labels.caption_credit"]) + r")\s*:[^()]{1,80}\)\W{0,2}$"
        ),
        # A copyright notice inside a short block (a caption's credit, a footer line).
        "copyright": re.compile(r"(?<!\w)(?:" + _any(merged["labels.copyright"]) + r")(?!\w)"),
    }


def _shape_patterns(merged: Lists) -> dict[str, re.Pattern[str]]:
    """Imperative, money, period, address and reporting patterns, by Lexicon field."""
    symbol = _any(merged["shape.currency_symbol"])
    return {
        # A block that opens with an imperative call to action addressed to the reader.
        "imperative": re.compile(
            r"^\W{0,3}(?:(?:" + _any(merged["shape.imperative_lead"]) + ") )?"
            r"(?:" + _any(merged["shape.imperative"]) + r")(?!\w)",
            re.IGNORECASE,
        ),
        # Money with a period: "$5 a month", "5 € im Monat".
        "money": re.compile(
            r"(?:"
            + symbol
            + r")\s?\d|\d(?:[.,]\d+)?\s?(?:"
            + "|".join((symbol, _any(merged["shape.currency"])))
            + ")",
            re.IGNORECASE,
        ),
        "period": re.compile(
            r"(?<!\w)(?:" + _any(merged["shape.period"]) + r")(?!\w)", re.IGNORECASE
        ),
        # The reader addressed directly (German "Sie"/"Ihr" only capitalised: lower-case they
        # are "they"), so matched with case.
        "you": re.compile(r"(?<!\w)(?:" + _any(merged["shape.you"]) + r")(?!\w)"),
        # Third-person reporting: attributions that appeals never carry.
        "reporting": re.compile(
            r"(?<!\w)(?:" + _any(merged["shape.reporting"]) + r")(?!\w)", re.IGNORECASE
        ),
    }


def _any(entries: list[str]) -> str:
    """One alternation of ``entries``; one that never matches when there are none."""
    return "|".join(entries) or "(?!)"
