"""Vocabulary gates: a phrase list's regex runs only on blocks holding one of its telling words.

Python's regex engine tries every alternative at every position, so a vocabulary of hundreds of
phrases is searched only in blocks holding the most telling word of one of its phrases: its gate
key, the prefix of that word. One scan with a trie of every key (:class:`PrefixGate`) tells which
keys a block may hold; two blocks in three hold none. Each phrase is written in lower case and is
searched in the lower-cased block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_LITERAL = re.compile(r"[^\W\d_]+")
# What may follow a literal in a phrase when the word ends there.
_WORD_END = re.compile(r"$|[\s\-')|.,:;!?]|\\[.sWb()\-+:/']")
# What the gates compare: the first four letters of every word (all of a shorter one), and the
# first six of every longer word.
_PREFIXES = (re.compile(r"\b\w{1,4}"), re.compile(r"\b\w{6}"))
# An upper-case letter that is not a regex escape such as \W: phrases meet lower-cased text.
_UPPER = re.compile(r"(?<!\\)[A-ZÀ-ÞА-Я]")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Phrases of one kind of pitch, with the word prefixes of which a match needs one."""

    pattern: re.Pattern[str]
    weight: float
    keys: frozenset[str]

    def hits(self, lowered: str, prefixes: frozenset[str]) -> int:
        """How many different phrases occur in ``lowered`` text (at most three count)."""
        if self.keys.isdisjoint(prefixes):
            return 0
        return min(len(set(self.pattern.findall(lowered))), 3)


def vocabulary(weight: float, *phrases: str, common: frozenset[str] = frozenset()) -> Vocabulary:
    """Compile lower-case ``phrases`` (regexes matched as whole words) into one vocabulary.

    ``common`` holds the words too common to gate on. Raises ``ValueError`` for a phrase with an
    upper-case letter or with no literal word to gate on.
    """
    keys = frozenset(key for phrase in phrases for key in phrase_keys(phrase, common))
    pattern = re.compile(r"(?<!\w)(?:" + ("|".join(phrases) or "(?!)") + r")(?!\w)")
    return Vocabulary(pattern, weight, keys)


def phrase_keys(phrase: str, common: frozenset[str] = frozenset()) -> set[str]:
    """Gate keys of ``phrase``: one of them is the prefix of a word of any text it matches."""
    if not is_lower_case(phrase):
        raise ValueError(f"vocabulary phrases are lower case: {phrase!r}")
    return _keys(phrase, common)


def is_lower_case(phrase: str) -> bool:
    """Whether ``phrase`` has no upper-case letter outside a regex escape such as ``\\W``."""
    return _UPPER.search(phrase) is None


def word_key(word: str) -> str:
    """The prefix :func:`word_prefixes` gives ``word``, the key that stands for it in a gate."""
    return _key(word, "")


def word_prefixes(lowered: str) -> frozenset[str]:
    """The prefixes of the words of ``lowered`` text the vocabulary gates compare."""
    short, long = (pattern.findall(lowered) for pattern in _PREFIXES)
    return frozenset(short + long)


_Trie = dict[str, "_Trie"]


@dataclass(frozen=True, slots=True)
class PrefixGate:
    """One scan of a block for a set of keys: which of them may be prefixes of its words."""

    pattern: re.Pattern[str]
    # For each key the scan can match, every key that is a prefix of it: the keys a word it
    # matched may have among its prefixes.
    within: dict[str, frozenset[str]]

    @classmethod
    def of(cls, keys: Iterable[str]) -> PrefixGate:
        """The gate for ``keys``: one regex matching, at the start of a word, the longest key."""
        keys = frozenset(keys)
        trie: _Trie = {}
        for key in keys:
            node = trie
            for char in key:
                node = node.setdefault(char, {})
            node[""] = {}
        pattern = re.compile((r"\b" + _alternatives(trie)) if keys else "(?!)")
        within = {key: frozenset(other for other in keys if key.startswith(other)) for key in keys}
        return cls(pattern, within)

    def candidates(self, lowered: str) -> frozenset[str]:
        """Keys that may be word prefixes of ``lowered`` text: a superset of those that are.

        A superset is all a vocabulary's gate needs: its regex decides the hits.
        """
        found = set(self.pattern.findall(lowered))
        return frozenset().union(*(self.within[key] for key in found))


def _alternatives(node: _Trie) -> str:
    """The regex of a trie node: its branches as a group, optional where a key ends."""
    branches = [
        re.escape(char) + _alternatives(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if "" in node else group


def _keys(regex: str, common: frozenset[str]) -> set[str]:
    """Gate keys of ``regex``: one of them is the prefix of a word of any text it matches."""
    alternatives = _split(regex)
    if len(alternatives) > 1:
        return {key for alternative in alternatives for key in _keys(alternative, common)}
    candidates = list(_required_words(regex))
    if not candidates:
        raise ValueError(f"vocabulary phrase needs a literal word: {regex!r}")
    # The rarest-looking position: no function word, long words, few alternatives, the later.
    ranked = [
        (common.isdisjoint(keys), min(map(len, keys)), -len(keys), i)
        for i, keys in enumerate(candidates)
    ]
    return candidates[max(ranked)[-1]]


def _required_words(regex: str) -> Iterable[set[str]]:
    """For each position of ``regex`` where a word must start, the keys of that word."""
    i, at_word_start = 0, True
    while i < len(regex):
        char = regex[i]
        if regex.startswith("(?:", i):
            end = i + _closing(regex[i:])
            quantifier = re.match(r"[?*+]|\{\d*(?:,\d*)?\}", regex[end + 1 :])
            optional = quantifier is not None and quantifier.group()[:2] in ("?", "*", "{0", "{,")
            if at_word_start and not optional:
                rest = regex[end + 1 :]
                inner = [_leading_keys(alt + rest) for alt in _split(regex[i + 3 : end])]
                if all(inner):
                    yield {key for keys in inner for key in keys}
            # An optional group ending in a space leaves the next word at a word start.
            at_word_start = (optional and at_word_start) or regex[end - 1] == " "
            i = end + 1 + (len(quantifier.group()) if quantifier else 0)
        elif (match := _LITERAL.match(regex, i)) is not None:
            if at_word_start and (key := _key(match.group(), regex[match.end() :])):
                yield {key}
            i, at_word_start = match.end(), False
        else:
            i += 2 if char == "\\" else 1
            at_word_start = char in " -'"


def _leading_keys(regex: str) -> set[str]:
    """Gate keys of the word ``regex`` opens with; empty when it opens with no literal word."""
    alternatives = _split(regex)
    if len(alternatives) > 1:
        keys = [_leading_keys(alternative) for alternative in alternatives]
        return {key for k in keys for key in k} if all(keys) else set()
    if regex.startswith("(?:"):
        end = _closing(regex)
        rest = regex[end + 1 :]
        if rest[:1] in ("?", "*"):
            first, second = _leading_keys(regex[3:end] + rest[1:]), _leading_keys(rest[1:])
            return first | second if first and second else set()
        return _leading_keys("|".join(alt + rest for alt in _split(regex[3:end])))
    match = _LITERAL.match(regex)
    key = _key(match.group(), regex[match.end() :]) if match else ""
    return {key} if key else set()


def _key(literal: str, rest: str) -> str:
    """The prefix :func:`word_prefixes` would give a word opening with ``literal``, or ``""``."""
    if rest[:1] in ("?", "*", "{"):
        literal = literal[:-1]  # its last letter is optional
    if len(literal) >= 6:
        return literal[:6]
    if len(literal) >= 4:
        return literal[:4]
    return literal if literal and _WORD_END.match(rest) else ""


def _split(regex: str) -> list[str]:
    """The top-level alternatives of ``regex``."""
    parts, depth, start, escaped = [], 0, 0, False
    for i, char in enumerate(regex):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(regex[start:i])
            start = i + 1
    return [*parts, regex[start:]]


def _closing(regex: str) -> int:
    """Index of the parenthesis closing the group ``regex`` opens with."""
    depth, escaped = 0, False
    for i, char in enumerate(regex):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced group: {regex!r}")
