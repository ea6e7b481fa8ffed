"""The DHIS2 push through the real broker and a worker, against the local stub of DHIS2."""

import os
import time

import pytest
from django.conf import settings

from summaries import aggregation, services
from summaries.models import Dhis2Push
from tests import factories
from tests.summaries.test_dhis2 import StubDhis2
from tests.summaries.test_releases import approve

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (a real broker and worker)",
    ),
]


def test_a_push_requested_on_the_page_is_sent_by_a_worker(real_worker, settings):
    stub = StubDhis2(token="d2pat_worker")
    settings.DHIS2_URL, settings.DHIS2_TOKEN, settings.DHIS2_USERNAME = stub.url, "d2pat_worker", ""
    try:
        approve("01", "2026-Q1", {"TA-01": 11, "TA-02": 6})
        aggregation.rebuild_all()
        release = factories.publish(2026, 1)
        factories.dhis2_map_everything()

        push = services.dhis2_push_request(actor=factories.admin_user(), release_id=release.pk)

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            push.refresh_from_db()
            if push.is_finished:
                break
            time.sleep(0.1)
    finally:
        stub.close()

    assert push.status == Dhis2Push.Status.DONE, push.error
    assert [r["query"]["dryRun"] for r in stub.requests] == [["true"], ["false"]]
    assert len(stub.requests[1]["body"]["dataValues"]) == push.values > 0
