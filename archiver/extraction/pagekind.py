"""Tell an article page from a hub (home, section, tag, author or pagination page)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from archiver.extraction.evidence import PageEvidence
from archiver.extraction.extract import Article

ARTICLE = "article"
HUB = "hub"

_DATE_IN_PATH = re.compile(r"/(19|20)\d{2}[/-](0?[1-9]|1[0-2])([/-]|$)|/(19|20)\d{6}[/-]")
# The path segments and query parameters of listings: sections, tags, authors, archives, pages.
_HUB_PARENT = re.compile(r"^(tags?|topics?|categor(y|ies)|sections?|authors?|page)$", re.I)
_HUB_LAST = re.compile(
    r"^(tags?|topics?|categor(y|ies)|sections?|authors?|archives?|search)$", re.I
)
_PAGE_NUMBER = re.compile(r"^page[-_]?\d+$", re.I)
_PAGE_PARAMS = frozenset({"page", "pg", "paged"})
_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
        "report", "techarticle", "scholarlyarticle", "socialmediaposting",
    }
)  # fmt: skip
# Declared by listings. og:type "website" is weak: many sites put it on every page.
_HUB_TYPES = frozenset(
    {"collectionpage", "itemlist", "searchresultspage", "profilepage", "profile", "category"}
)
_WEAK_HUB_TYPES = frozenset({"website"})
# A listing: headlines that are links, and no more reporting-length paragraphs than two per
# headline (an article's "related" box has a few linked headlines but many long paragraphs).
LISTING_HEADLINES = 3
LINK_DENSE = 0.5


def page_kind(
    article: Article | None, url: str, min_chars: int, evidence: PageEvidence | None = None
) -> str:
    """Decide from page evidence: declared types, the URL, the page's shape, the text's length."""
    if article is None or len(article.text) < min_chars // 4:
        return HUB
    evidence = evidence or PageEvidence()
    declared = {*(t.lower() for t in evidence.declared_types), (article.page_type or "").lower()}
    if declared & _ARTICLE_TYPES:
        return ARTICLE
    parts = urlsplit(url)
    if parts.path in {"", "/"} or _hub_address(parts.path, parts.query):
        return HUB
    if declared & _HUB_TYPES or _listing(evidence):
        return HUB
    dated = bool(_DATE_IN_PATH.search(parts.path))
    if declared & _WEAK_HUB_TYPES:
        return ARTICLE if dated and len(article.text) >= min_chars else HUB
    if dated and len(article.text) >= min_chars // 2:
        return ARTICLE
    return ARTICLE if len(article.text) >= min_chars else HUB


def _hub_address(path: str, query: str) -> bool:
    """Section, tag, author, archive and pagination addresses."""
    segments = [s for s in path.split("/") if s]
    if any(_HUB_PARENT.match(s) or _PAGE_NUMBER.match(s) for s in segments[:-1]):
        return True
    last = segments[-1].rsplit(".", 1)[0] if segments else ""
    if _PAGE_NUMBER.match(last) or _HUB_LAST.match(last):
        return True
    return any(name.lower() in _PAGE_PARAMS for name, _ in parse_qsl(query))


def _listing(evidence: PageEvidence) -> bool:
    """Teaser headlines with at most two long paragraphs each, or a page that is mostly links."""
    headlines = evidence.headline_links
    if headlines >= LISTING_HEADLINES and evidence.long_paragraphs <= 2 * headlines:
        return True
    return evidence.link_density > LINK_DENSE


def looks_like_article(url: str, evidence: PageEvidence, page_type: str | None = None) -> bool:
    """Whether a page says it is an article (a declared article type), or its URL is dated and
    not a hub's address, whatever text its HTML holds."""
    declared = {*(t.lower() for t in evidence.declared_types), (page_type or "").lower()}
    if declared & _ARTICLE_TYPES:
        return True
    parts = urlsplit(url)
    if parts.path in {"", "/"} or _hub_address(parts.path, parts.query):
        return False
    return bool(_DATE_IN_PATH.search(parts.path)) and not declared & _HUB_TYPES
