"""Tell an article page from a hub (home, section, tag or listing page)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from archiver.extract import Article

ARTICLE = "article"
HUB = "hub"

_DATE_IN_PATH = re.compile(r"/(19|20)\d{2}[/-](0?[1-9]|1[0-2])([/-]|$)|/(19|20)\d{6}[/-]")
_ARTICLE_TYPES = frozenset({"article", "newsarticle", "blogposting", "reportagenewsarticle"})
_HUB_TYPES = frozenset({"website", "webpage", "collectionpage", "profile", "category"})


def page_kind(article: Article | None, url: str, min_chars: int) -> str:
    """Decide from page evidence: declared type first, then the URL, then the text's length."""
    if article is None or len(article.text) < min_chars // 4:
        return HUB
    declared = (article.page_type or "").lower()
    if declared in _ARTICLE_TYPES:
        return ARTICLE
    if declared in _HUB_TYPES:
        return HUB
    path = urlsplit(url).path
    if path in {"", "/"}:
        return HUB
    if _DATE_IN_PATH.search(path) and len(article.text) >= min_chars // 2:
        return ARTICLE
    return ARTICLE if len(article.text) >= min_chars else HUB
