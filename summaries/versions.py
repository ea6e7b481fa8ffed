"""The version of the working figures: a token every writer of what they are built from changes.

Writers: the aggregation (`summaries.aggregation`, raw SQL, in the same transaction as the rows
it writes), and through signals (`summaries.signals`) every save or delete of a reporting
period, an indicator, a programme, an organisation and the links between programmes,
indicators and organisations; `seed_demo` and migrations too, as they write with bulk
statements. A cache key that holds the token (`summaries.cube.working_cube`) is never read
once the token changed, so nothing has to be deleted from the cache.

The token is random rather than a counter: a database restored from a backup, or another
database sharing the cache, never meets a token it did not write itself.
"""

import uuid

from django.utils import timezone

from summaries.models import SummaryVersion

ROW = 1  # the one row


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
