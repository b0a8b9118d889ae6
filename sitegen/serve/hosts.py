"""Which ``Host`` headers the preview answers: loopback names and the ``--host`` given.

A page on another site can make a browser send requests to 127.0.0.1 under its
own name (DNS rebinding: ``evil.example`` resolving to 127.0.0.1); its requests
then carry ``Host: evil.example``. Answering only loopback names, IP addresses
when the server listens on every interface, and the name given with ``--host``
keeps such pages from reading the site or opening the LiveReload socket (the
rule of Vite's and webpack-dev-server's ``allowedHosts``).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def host_name(header: str) -> str | None:
    """The name in a ``Host`` header, without port or brackets; None if malformed."""
    try:
        split = urlsplit("//" + header)
        split.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return None
    return split.hostname


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def allowed_host(header: str, bound: str) -> bool:
    """Whether to answer a request whose ``Host`` is ``header``, serving on ``bound``."""
    name = host_name(header)
    if not name:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    bound = bound.strip("[]").lower()
    if name == bound:
        return True
    address = _address(name)
    if address is None:
        return False
    listening = _address(bound)
    return address.is_loopback or (listening is not None and listening.is_unspecified)
