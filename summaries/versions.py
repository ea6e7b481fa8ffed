"""The version of the working figures: a token every writer of what they are built from changes.

Writers: the aggregation (`summaries.aggregation`, raw SQL, in the same transaction as the rows
it writes), and through signals (`summaries.signals`) every save or delete of a reporting
period, an indicator, a programme, an organisation and the links between programmes,
indicators and organisations; `seed_demo` and migrations too, as they write with bulk
statements. A cache key that holds the token (`cached`: the working cube, the working
spending) is never read once the token changed, so nothing has to be deleted from the cache.

The token is random rather than a counter: a database restored from a backup, or another
database sharing the cache, never meets a token it did not write itself.
"""

import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

from summaries.models import SummaryVersion

ROW = 1  # the one row
# A day bounds what keys of old versions occupy; a format number changes with what is cached.
TIMEOUT = 24 * 3600
FORMAT = 1
T = TypeVar("T")
logger = logging.getLogger(__name__)


def bump() -> str:
    """A new token, written in the caller's transaction (so it commits with the change)."""
    token = uuid.uuid4().hex
    if not SummaryVersion.objects.filter(pk=ROW).update(token=token, changed_at=timezone.now()):
        SummaryVersion.objects.update_or_create(pk=ROW, defaults={"token": token})
    return token


def current() -> str:
    """The token now (one query by primary key); "none" until the first change."""
    token = SummaryVersion.objects.filter(pk=ROW).values_list("token", flat=True).first()
    return token or "none"


def cached(name: str, parts: tuple[object, ...], build: Callable[[], T], kind: type) -> T:
    """What `build` returns, from the cache under the current version while nothing it reads has
    changed (one query for the version), else built and kept. `kind` is the type of a good
    cached value. Without a cache that answers (Redis down), built as if nothing were cached."""
    key = ":".join(str(part) for part in ("summaries", name, FORMAT, current(), *parts))
    try:
        found = cache.get(key)
    except Exception:  # any failure of the cache: build the value instead
        logger.warning("%s: the cache did not answer; building it", name, exc_info=True)
        found = None
    if isinstance(found, kind):
        return found  # type: ignore[return-value]
    value = build()
    try:
        cache.set(key, value, TIMEOUT)
    except Exception:
        logger.warning("%s: the cache did not keep it", name, exc_info=True)
    return value
