"""Optional API keys: who may call, and who is calling (api.middleware.keys checks them).

Keys are never stored: `settings.api.api_key_hashes` holds sha256 hex digests. Make one with

    python -c "import hashlib, secrets; k = secrets.token_urlsafe(32); \
print(k, hashlib.sha256(k.encode()).hexdigest())"

and give the first value to the client, the second to the server
(`RAG_API__API_KEY_HASHES='["<digest>"]'`). A client sends `Authorization: Bearer <key>` or
`X-API-Key: <key>`. With no hashes configured the API is open.

Open without a key even when keys are on: `/healthz`, `/readyz` (probes), `/`, `/static/*`
(the web page, which asks for a key itself), `/docs`, `/redoc`, their `/docs-assets/*` and
`/openapi.json`.

Who is calling, for the rate limits: the peer address, or, when the peer is a configured
trusted proxy (`RAG_API__TRUSTED_PROXIES`), the right-most address in its `Forwarded`,
`X-Forwarded-For` or `X-Real-IP` header that is not itself a trusted proxy (`TrustedProxies`).
From any other peer those headers are ignored: a client cannot choose its own address.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import Scope

from rag.settings import sha256_hexes

OPEN_PATHS = frozenset(
    {"/", "/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
OPEN_PREFIXES = ("/static/", "/docs-assets/")
CLIENT_ID = "rag.client_id"  # scope key: who is calling ("key:<digest prefix>" or "ip:<addr>")


def hash_key(key: str) -> str:
    """The sha256 hex digest stored in settings for an API key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def app_path(scope: Scope) -> str:
    """The request path inside the app (without a proxy's root_path)."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def client_id(scope: Scope) -> str:
    """The caller's identity for rate limiting: its API key (if keys are on) or its address."""
    cid = scope.get(CLIENT_ID)
    if isinstance(cid, str):
        return cid
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


def presented_key(headers: Headers) -> str | None:
    """The key from `Authorization: Bearer <key>` or else `X-API-Key: <key>`."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


def normalise_hashes(hashes: Iterable[str]) -> list[str]:
    """Lower-case digests; ValueError (naming the bad value) unless each is 64 hex characters."""
    try:
        return sha256_hexes(list(hashes))
    except ValueError as exc:
        raise ValueError(f"api_key_hashes {exc}") from exc


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _forwarded_for(element: str) -> str:
    """The `for=` node of one RFC 7239 element, without quotes, brackets or port."""
    for pair in element.split(";"):
        name, _, value = pair.strip().partition("=")
        if name.strip().lower() == "for":
            return _strip_port(value.strip().strip('"'))
    return ""


def _strip_port(node: str) -> str:
    if node.startswith("["):  # "[2001:db8::1]:4711"
        return node[1:].partition("]")[0]
    if node.count(":") == 1:  # "192.0.2.1:8080" (a bare IPv6 address has several colons)
        return node.partition(":")[0]
    return node


def forwarded_chain(headers: Headers) -> list[str]:
    """The client chain a proxy reports, left (original client) to right (last proxy's peer):
    from `Forwarded` if present, else `X-Forwarded-For`, else `X-Real-IP`."""
    forwarded = ",".join(headers.getlist("forwarded"))
    if forwarded.strip():
        return [_forwarded_for(e) for e in forwarded.split(",")]
    xff = ",".join(headers.getlist("x-forwarded-for"))
    if xff.strip():
        return [_strip_port(h.strip()) for h in xff.split(",")]
    real = headers.get("x-real-ip", "").strip()
    return [_strip_port(real)] if real else []


class TrustedProxies:
    """The proxies whose forwarding headers are believed, as addresses or CIDRs.

    >>> proxies = TrustedProxies(["10.0.0.0/8"])
    >>> proxies.client("10.1.2.3", Headers({"x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.7"}))
    '203.0.113.9'
    >>> proxies.client("198.51.100.1", Headers({"x-forwarded-for": "6.6.6.6"}))
    '198.51.100.1'
    """

    def __init__(self, networks: Iterable[str]) -> None:
        nets = [ipaddress.ip_network(n.strip(), strict=False) for n in networks]
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = nets

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, host: str) -> bool:
        ip = _ip(host)
        if ip is None:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip.version == net.version and ip in net for net in self.networks)

    def client(self, peer: str, headers: Headers) -> str:
        """The client's address: `peer` unless `peer` is a trusted proxy; then the right-most
        untrusted hop of the forwarding chain (the left-most if every hop is trusted)."""
        if not self.trusts(peer):
            return peer
        chain = forwarded_chain(headers)
        for hop in reversed(chain):
            if not self.trusts(hop):
                return hop or "unknown"
        return chain[0] if chain else peer
