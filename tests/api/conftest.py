import pytest
from rest_framework.test import APIClient

from portal.api_tokens import token_create


def token_for(user, days: int = 30) -> str:
    return token_create(actor=user, user=user, name="test", days=days, verified=True).secret


def api_client(user=None, *, token: str | None = None, language: str = "en") -> APIClient:
    """A client that sends a personal token (made for `user` unless given)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if token is None and user is not None:
        token = token_for(user)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Each test starts with an empty rate-limit count (the cache outlives a test)."""
    from django.core.cache import cache

    cache.clear()
