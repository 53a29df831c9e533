"""URL hygiene: one spelling per page, hosts that belong to a crawl, addresses that do not."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only say where a click came from; never part of what a page is.
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "oly_", "vero_", "_hs", "ga_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "mkt_tok", "_ga",
        "_gl", "_openstat", "ocid", "cmpid", "s_cid", "spm", "ref_src", "ref_url",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOCAL_NAMES = re.compile(r"(^|\.)(localhost|localdomain|local|internal|home\.arpa)$")


def is_tracking_parameter(name: str) -> bool:
    """Whether a query parameter is click tracking (``utm_source``, ``fbclid``, …)."""
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """The URL without fragment or tracking parameters, scheme and host lower-cased.

    Parameters that are kept stay in their order, spelled as they were: sites tell pages apart by
    them, and the archive keeps the address a reader would see.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS.get(scheme) else None
    netloc = host + (f":{port}" if port else "")
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not is_tracking_parameter(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    path = parts.path or ("/" if scheme in _DEFAULT_PORTS else "")
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """The URL's host name, lower-case, without port."""
    return (urlsplit(url).hostname or "").rstrip(".").lower()


def on_hosts(url: str, hosts: Iterable[str]) -> bool:
    """Whether the URL's host is one of ``hosts`` or a subdomain of one."""
    host = host_of(url)
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts if allowed)


def canonical_article_url(page_url: str, canonical: str | None) -> str:
    """Where an article is stored: its canonical URL when that is on the page's own site.

    A relative canonical link is resolved against the page; one pointing at another site
    (syndication) is ignored, so a page is never stored under an address it was not fetched from.
    """
    page = clean_url(page_url)
    if not canonical or not canonical.strip():
        return page
    resolved = clean_url(urljoin(page_url, canonical.strip()))
    if urlsplit(resolved).scheme not in _DEFAULT_PORTS:
        return page
    return resolved if urlsplit(resolved).netloc == urlsplit(page).netloc else page


def non_public_address(host: str) -> bool:
    """Whether ``host`` names an address no public site has: loopback, private, link-local.

    Host names are judged by their form only (``localhost``, ``*.internal``); resolving names to
    addresses is the caller's job.
    """
    name = host.strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return bool(_LOCAL_NAMES.search(name))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast
