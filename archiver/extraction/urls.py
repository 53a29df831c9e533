"""URL hygiene: one spelling per page, hosts that belong to a crawl, addresses that do not."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

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
# What no host name holds: spaces, controls and the delimiters WHATWG forbids in hosts.
_BAD_HOST = re.compile(r"[\x00-\x20\x7f#%/:<>?@\[\\\]^|]")
# "javascript:…", "data:…": a scheme without "//"; "example.org:8080/x" is a host and port.
# Spaces and controls in a path or query: percent-encoded, as a browser sends them.
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
_BARE_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d)")


class BadUrl(ValueError):
    """A URL no request can be made for: bad port, broken IPv6 literal, impossible characters."""


def split_url(url: str) -> SplitResult:
    """``urlsplit`` with its port and host checked; ``BadUrl`` says what is wrong."""
    try:
        url.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadUrl(f"{url!r} holds characters no URL can (lone surrogates)") from exc
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", …
        raise BadUrl(f"{url!r} is not a valid URL: {exc}") from exc
    if port == 0:
        raise BadUrl(f"{url!r} is not a valid URL: port 0")
    host = parts.hostname or ""
    if ":" not in host and _BAD_HOST.search(host):
        raise BadUrl(f"{url!r} is not a valid URL: bad host {host!r}")
    return parts


def is_crawlable(url: str) -> bool:
    """Whether a clean URL is one a crawl requests: http or https."""
    return urlsplit(url).scheme in _DEFAULT_PORTS


def is_tracking_parameter(name: str) -> bool:
    """Whether a query parameter is click tracking (``utm_source``, ``fbclid``, …)."""
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """The URL without fragment or tracking parameters, scheme and host lower-cased.

    Parameters that are kept stay in their order, spelled as they were: sites tell pages apart by
    them, and the archive keeps the address a reader would see. ``BadUrl`` when no request could
    be made for it.
    """
    parts = split_url(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not host and scheme in _DEFAULT_PORTS:
        raise BadUrl(f"{url!r} names no host")
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
    return urlunsplit((scheme, netloc, _encoded(path), _encoded(query), ""))


def _encoded(part: str) -> str:
    return _UNSAFE.sub(lambda match: f"%{ord(match.group()):02X}", part)


def host_of(url: str) -> str:
    """The URL's host name, lower-case, without port; '' for a URL that has none."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def port_of(url: str) -> int:
    """The port a request for ``url`` goes to (80, 443 when the URL names none); 0 if invalid."""
    try:
        parts = urlsplit(url)
        return parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return 0


def check_seed(text: str, max_length: int = 2083) -> str:
    """A seed as the URL to crawl (``http://`` added to a bare host), or ``BadUrl`` saying why.

    Only http and https are crawled: ``file:``, ``data:``, ``javascript:`` and the like are
    refused, as are bad ports, broken IPv6 literals and URLs too long for servers to accept.
    """
    value = text.strip()
    if not value or any(ch.isspace() for ch in value):
        raise BadUrl(f"{text!r} is not a URL")
    scheme, sep, _ = value.partition("://")
    bare = _BARE_SCHEME.match(value)
    if not sep and bare:
        scheme = bare.group(1)
    elif not sep:
        scheme, value = "http", f"http://{value}"
    if scheme.lower() not in _DEFAULT_PORTS:
        raise BadUrl(f"{text!r}: only http and https URLs are crawled, not {scheme.lower()}:")
    url = clean_url(value)
    if not host_of(url):
        raise BadUrl(f"{text!r} names no host")
    if len(url) > max_length:
        raise BadUrl(f"{text[:60]!r}… is {len(url)} characters long; the limit is {max_length}")
    return url


@dataclass(frozen=True, slots=True)
class HostRule:
    """A host (and its subdomains) a crawl may visit, on some ports or on any."""

    host: str
    ports: tuple[tuple[int, int], ...] = ()  # inclusive ranges; empty: any port

    def matches(self, url: str) -> bool:
        """Whether ``url`` is on this host or a subdomain of it, on one of its ports."""
        host = host_of(url)
        if not self.host or not (host == self.host or host.endswith("." + self.host)):
            return False
        port = port_of(url)
        return not self.ports or any(low <= port <= high for low, high in self.ports)


def origin_rule(url: str) -> HostRule:
    """The rule a seed makes: its host on its port; ports 80 and 443 go together (https)."""
    port = port_of(url)
    ports = ((80, 80), (443, 443)) if port in (80, 443) else ((port, port),)
    return HostRule(host_of(url), ports)


def parse_host_rule(text: str) -> HostRule:
    """``HOST`` (any port), ``HOST:PORT`` or ``HOST:LOW-HIGH``; ``BadUrl`` when malformed."""
    value = text.strip().lower()
    host, port_text = value, ""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    host = host.rstrip(".")
    if not host or (":" not in host and _BAD_HOST.search(host)):
        raise BadUrl(f"{text!r} is not HOST, HOST:PORT or HOST:LOW-HIGH")
    if not port_text:
        return HostRule(host)
    low, _, high = port_text.partition("-")
    try:
        ports = (int(low), int(high or low))
    except ValueError as exc:
        raise BadUrl(f"{text!r}: the port must be a number or a range LOW-HIGH") from exc
    if not 0 < ports[0] <= ports[1] < 65536:
        raise BadUrl(f"{text!r}: ports run from 1 to 65535, low to high")
    return HostRule(host, (ports,))


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
    try:
        resolved = clean_url(urljoin(page_url, canonical.strip()))
    except ValueError:  # a canonical link no request could be made for: not an address
        return page
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
