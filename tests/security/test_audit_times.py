"""The audit log says which clock its times are on, and is right, on the page and in the CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 11, 2, 2, 30, 5, tzinfo=datetime.UTC)  # 09:30:05 in Hà Nội


@pytest.fixture
def event():
    return AuditEvent.objects.create(action="login", outcome="success", username="a@b.vn", at=AT)


def test_the_page_shows_local_time_and_says_so(client, event):
    client.force_login(factories.admin_user())

    page = client.get(reverse("audit_log")).content.decode()

    assert "2026-11-02 09:30:05" in page
    assert "UTC+07:00" in page
    assert "(UTC)" not in page and "Times are in UTC." not in page


def test_the_csv_gives_the_same_time_with_its_offset(client, event):
    client.force_login(factories.admin_user())

    response = client.get(reverse("audit_log_download"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert "UTC+07:00" in rows[0][0]
    row = next(r for r in rows[1:] if r[3] == "a@b.vn")
    assert row[0] == "2026-11-02T09:30:05+07:00"
    assert datetime.datetime.fromisoformat(row[0]) == AT
