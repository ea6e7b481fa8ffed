"""Small pieces of the portal's protection shared by settings, middleware and signals."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address, as far as this deployment can trust it.

    With no proxy in front (TRUSTED_PROXY_COUNT=0) it is the socket's peer, REMOTE_ADDR; any
    X-Forwarded-For the client sends is ignored. Behind N trusted proxies, each appends the
    address it saw to X-Forwarded-For, so the N-th entry from the right is the one the outermost
    trusted proxy saw; entries further left were written by the client and are never used.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def login_username(request, credentials) -> str:
    """The e-mail address as the login form reads it (trimmed, lower case), for lockouts."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()
