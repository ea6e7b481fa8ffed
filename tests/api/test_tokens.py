"""Personal API tokens: shown once and stored hashed, expire, revoke, stop with their user or
organisation, need a verified session where two-factor applies, are audited and rate-limited."""

import datetime
import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.api_tokens import token_create, token_revoke
from portal.models import ApiToken, AuditEvent
from tests import factories
from tests.api.conftest import api_client, token_for


def test_a_token_is_stored_only_as_a_digest(db):
    user = factories.reporter()

    issued = token_create(actor=user, user=user, name="dashboard", days=30, verified=False)

    stored = ApiToken.objects.get()
    assert issued.secret.startswith(f"nap_{stored.prefix}_")
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in str(list(ApiToken.objects.values()))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_CREATED).count() == 1


def test_a_token_stops_when_it_expires(db):
    user = factories.reporter()
    token = token_for(user, days=1)
    assert api_client(token=token).get("/api/v1/reports/").status_code == 200

    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        response = api_client(token=token).get("/api/v1/reports/")

    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has expired."


def test_a_revoked_token_stops_at_once(db):
    user = factories.reporter()
    issued = token_create(actor=user, user=user, name="x", days=30, verified=False)
    client = api_client(token=issued.secret)
    assert client.get("/api/v1/reports/").status_code == 200

    token_revoke(actor=user, token_id=issued.token.pk)

    assert client.get("/api/v1/reports/").status_code == 401
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REVOKED).count() == 1


def test_nobody_else_but_an_admin_revokes_or_makes_a_token_for_someone(db):
    owner, other, admin = factories.reporter(), factories.reporter(), factories.admin_user()
    issued = token_create(actor=owner, user=owner, name="x", days=30, verified=False)

    with pytest.raises(PermissionDenied):
        token_revoke(actor=other, token_id=issued.token.pk)
    with pytest.raises(PermissionDenied):
        token_create(actor=other, user=owner, name="y", days=30, verified=False)
    token_create(actor=admin, user=owner, name="by admin", days=30, verified=True)
    token_revoke(actor=admin, token_id=issued.token.pk)

    assert ApiToken.objects.filter(user=owner, revoked_at=None).count() == 1


def test_a_deactivated_user_or_organisation_stops_the_token(db):
    user = factories.reporter()
    token = token_for(user)
    organisation = user.membership_list[0].organisation
    organisation.is_active = False
    organisation.save()

    assert api_client(token=token).get("/api/v1/reports/").status_code == 401
    organisation.is_active = True
    organisation.save()
    assert api_client(token=token).get("/api/v1/reports/").status_code == 200
    user.is_active = False
    user.save()
    assert api_client(token=token).get("/api/v1/reports/").status_code == 401


def test_two_factor_users_make_tokens_only_from_a_verified_session(db):
    reviewer = factories.reviewer(provinces=[factories.province("01")])

    with pytest.raises(PermissionDenied):
        token_create(actor=reviewer, user=reviewer, name="x", days=30, verified=False)
    token_create(actor=reviewer, user=reviewer, name="x", days=30, verified=True)

    assert ApiToken.objects.filter(user=reviewer).count() == 1


def test_reads_touch_last_used_and_writes_are_audited(db):
    report = factories.draft_report()
    issued = token_create(
        actor=report.created_by, user=report.created_by, name="x", days=30, verified=False
    )
    client = api_client(token=issued.secret)

    for _ in range(3):
        client.get("/api/v1/reports/")
    client.patch(f"/api/v1/reports/{report.pk}/", {"title": "New"}, format="json")

    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None
    writes = AuditEvent.objects.filter(action=AuditEvent.Action.API_WRITE)
    assert [w.detail for w in writes] == [f"PATCH /api/v1/reports/{report.pk}/ 200"]


def test_requests_beyond_the_rate_get_429(db, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    client = api_client(factories.reporter())

    codes = [client.get("/api/v1/periods/").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]


def test_the_account_page_shows_a_new_token_once_and_revokes_it(db, client):
    user = factories.reporter()
    client.force_login(user)

    made = client.post("/accounts/api-tokens/", {"name": "Sheets", "days": "30"})
    again = client.get("/accounts/api-tokens/")

    token = ApiToken.objects.get(user=user)
    secret = made.context["issued"].secret
    assert secret in made.content.decode()
    assert secret not in again.content.decode()
    assert api_client(token=secret).get("/api/v1/periods/").status_code == 200
    client.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    assert api_client(token=secret).get("/api/v1/periods/").status_code == 401


def test_an_admin_makes_a_token_for_another_user_on_the_account_page(db, client):
    admin, reporter = factories.admin_user(), factories.reporter()
    client.force_login(admin)

    client.post("/accounts/api-tokens/", {"name": "For them", "days": "7", "email": reporter.email})

    assert ApiToken.objects.get().user == reporter


def test_another_users_token_cannot_be_revoked_from_the_page(db, client):
    owner = factories.reporter()
    issued = token_create(actor=owner, user=owner, name="x", days=30, verified=False)
    client.force_login(factories.reporter())

    response = client.post(f"/accounts/api-tokens/{issued.token.pk}/revoke/")

    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
