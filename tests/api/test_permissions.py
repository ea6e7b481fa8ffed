"""Every API endpoint by role: reporter, reviewer, administrator, another organisation's
reporter, and callers with no, a bad, an expired or a revoked token."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from portal.api_tokens import token_create, token_revoke
from reports.models import ActivityReport
from summaries import aggregation
from tests import factories
from tests.api.conftest import api_client, token_for

ROLES = ["reporter", "reviewer", "admin", "other", "anonymous", "invalid", "expired", "revoked"]
REFUSED = {"anonymous": 401, "invalid": 401, "expired": 401, "revoked": 401}


class World:
    def __init__(self):
        self.organisation = factories.OrganisationFactory(province=factories.province("01"))
        self.reporter = factories.reporter(organisation=self.organisation)
        self.reviewer = factories.reviewer(provinces=[factories.province("01")])
        self.admin = factories.admin_user()
        self.other = factories.reporter(
            organisation=factories.OrganisationFactory(province=factories.province("79"))
        )
        self.draft = factories.draft_report(organisation=self.organisation, author=self.reporter)
        self.submitted = factories.submitted_report(
            organisation=self.organisation, author=self.reporter, programme_code="peace-house"
        )
        self.release = None

    def client(self, role: str):
        if role == "anonymous":
            return api_client()
        if role == "invalid":
            return api_client(token="nap_000000000000_not-a-real-secret")
        if role == "expired":
            token = token_for(self.reporter, days=1)
            traveller = time_machine.travel(timezone.now() + datetime.timedelta(days=2))
            traveller.start()
            self._traveller = traveller
            return api_client(token=token)
        if role == "revoked":
            issued = token_create(
                actor=self.reporter, user=self.reporter, name="x", days=5, verified=True
            )
            token_revoke(actor=self.reporter, token_id=issued.token.pk)
            return api_client(token=issued.secret)
        return api_client(getattr(self, role))


def _request(world: World, endpoint: str, client):
    method, path = endpoint.split(" ", 1)
    if "{release}" in path:
        if world.release is None:
            factories.approved_report(programme_code="anti-trafficking")
            aggregation.rebuild_all()
            world.release = factories.publish(2026, 2, admin=world.admin)
            factories.dhis2_map_everything()
        path = path.replace("{release}", str(world.release.pk))
    path = (
        path.replace("{org}", str(world.organisation.pk))
        .replace("{draft}", str(world.draft.pk))
        .replace("{submitted}", str(world.submitted.pk))
    )
    body = {
        "POST /api/v1/reports/": {
            "organisation": world.organisation.pk,
            "programme": "trusted-address",
            "period": "2026-Q3",
        },
        "PATCH /api/v1/reports/{draft}/": {"title": "Renamed"},
        "PATCH /api/v1/reports/{draft}/?lines=spending": {
            "spending": [{"amount": 2_000_000, "source": "vwu_own", "pillar": "prevention"}]
        },
        "POST /api/v1/reports/{submitted}/return/": {"comment": "Check the ages."},
    }.get(endpoint, {})
    return getattr(client, method.lower())(path, body, format="json")


# endpoint: (reporter, reviewer, admin, other organisation's reporter)
TABLE = {
    "GET /api/v1/indicators/": (200, 200, 200, 200),
    "GET /api/v1/indicators/PAR-01/": (200, 200, 200, 200),
    "GET /api/v1/programmes/": (200, 200, 200, 200),
    "GET /api/v1/programmes/trusted-address/": (200, 200, 200, 200),
    "GET /api/v1/periods/": (200, 200, 200, 200),
    "GET /api/v1/periods/2026-Q2/": (200, 200, 200, 200),
    "GET /api/v1/organisations/": (200, 200, 200, 200),
    "GET /api/v1/organisations/{org}/": (200, 200, 200, 404),
    "GET /api/v1/reports/": (200, 200, 200, 200),
    "GET /api/v1/reports/{draft}/": (200, 404, 200, 404),
    "GET /api/v1/reports/{submitted}/": (200, 200, 200, 404),
    "POST /api/v1/reports/": (201, 403, 403, 400),
    "PATCH /api/v1/reports/{draft}/": (200, 404, 403, 404),
    "PATCH /api/v1/reports/{draft}/?lines=spending": (200, 404, 403, 404),
    "POST /api/v1/reports/{draft}/submit/": (400, 404, 403, 404),
    "POST /api/v1/reports/{submitted}/withdraw/": (200, 403, 403, 404),
    "POST /api/v1/reports/{submitted}/approve/": (403, 200, 200, 404),
    "POST /api/v1/reports/{submitted}/return/": (403, 200, 200, 404),
    "GET /api/v1/releases/": (200, 200, 200, 200),
    "GET /api/v1/releases/{release}/": (200, 200, 200, 200),
    "GET /api/v1/releases/{release}/cells/": (200, 200, 200, 200),
    "GET /api/v1/releases/{release}/dhis2/": (403, 403, 200, 403),
    "GET /api/v1/releases/{release}/dhis2/data-values/": (403, 403, 200, 403),
    "GET /api/v1/releases/{release}/dhis2/adx/": (403, 403, 200, 403),
    "GET /api/v1/completeness/?period=2026-Q2": (200, 200, 200, 200),
    "GET /api/v1/schema/": (200, 200, 200, 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(TABLE))
def test_every_endpoint_answers_each_role_as_the_table_says(db, endpoint, role):
    world = World()
    expected = REFUSED.get(role) or TABLE[endpoint][ROLES.index(role)]
    client = world.client(role)
    try:
        response = _request(world, endpoint, client)
    finally:
        if hasattr(world, "_traveller"):
            world._traveller.stop()

    assert response.status_code == expected, (endpoint, role, response.content[:300])


def test_the_table_covers_every_route_of_the_api():
    from django.urls import get_resolver, resolve

    api = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", "") == "api")
    names = {p.name for p in api.url_patterns} - {"docs", "api-root"}
    tested = set()
    for endpoint in TABLE:
        path = endpoint.split(" ", 1)[1].split("?")[0]
        for placeholder in ("{org}", "{draft}", "{submitted}", "{release}"):
            path = path.replace(placeholder, "1")
        tested.add(resolve(path).url_name)

    assert names == tested


def test_a_reporters_list_holds_only_their_organisations_reports(db):
    world = World()
    foreign = factories.submitted_report()

    ids = {
        row["id"] for row in api_client(world.reporter).get("/api/v1/reports/").json()["results"]
    }

    assert ids == {world.draft.pk, world.submitted.pk}
    assert foreign.pk not in ids
    assert ActivityReport.objects.count() == 3
