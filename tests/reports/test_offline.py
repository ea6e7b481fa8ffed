"""Offline entry on the server: what a reporter's device is given (scoped to the reporter), how a
queued change is received (through the report services, by version, once per key), and the
service worker's script and version."""

import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.offline import PRECACHED, _worker_script
from reports import services
from reports.figures import inputs_from_figures
from reports.models import ActivityReport, ReportEvent, SyncReceipt
from tests import factories

pytestmark = pytest.mark.django_db
PERIOD = "2026-Q3"
SYNC = reverse("reports:offline_sync")


@pytest.fixture
def world():
    organisation = factories.OrganisationFactory(province=factories.province("01"))
    organisation.programmes.add(factories.programme())
    author = factories.reporter(organisation=organisation)
    report = factories.draft_report(organisation=organisation, author=author, period_code=PERIOD)
    return {
        "organisation": organisation,
        "reporter": author,
        "report": report,
        "other_report": factories.draft_report(period_code=PERIOD),
        "reviewer": factories.reviewer(provinces=[factories.province("01")]),
        "admin": factories.admin_user(),
    }


def change(of, **overrides):
    body = {
        "key": str(uuid.uuid4()),
        "report": of.pk,
        "base_version": of.version,
        "title": "Sinh hoạt nhóm",
        "narrative": "Hai buổi tại thôn Nậm Kè.",
        "commune": "",
        "figures": {"TA-01": {"total": 6}},
        "submit": False,
    }
    return {**body, **overrides}


def send(client, body):
    return client.post(SYNC, data=json.dumps(body), content_type="application/json")


def test_the_bundle_holds_the_reporters_own_editable_reports_and_the_rules(client, world):
    submitted = factories.submitted_report(
        organisation=world["organisation"], author=world["reporter"], period_code="2026-Q2"
    )
    client.force_login(world["reporter"])

    bundle = client.get(reverse("reports:offline_data")).json()

    assert [r["id"] for r in bundle["reports"]] == [world["report"].pk]
    assert submitted.pk not in [r["id"] for r in bundle["reports"]]
    assert bundle["organisations"] == [
        {"id": world["organisation"].pk, "name": world["organisation"].name}
    ]
    programme = bundle["programmes"][0]
    assert programme["organisations"] == [world["organisation"].pk]
    ratio = next(i for i in programme["indicators"] if i["code"] == "PRO-02")
    assert ratio["is_ratio"] and [d["key"] for d in ratio["dimensions"]] == ["sex", "age"]
    assert bundle["rules"]["max_figure"] == 10_000_000
    assert bundle["csrf_token"]


@pytest.mark.parametrize("role", ["reviewer", "admin"])
@pytest.mark.parametrize("name", ["reports:offline", "reports:offline_data"])
def test_offline_entry_is_for_reporters_only(client, world, role, name):
    client.force_login(world[role])

    assert client.get(reverse(name)).status_code == 403
    assert send(client, change(world["report"])).status_code == 403


def test_a_change_is_saved_through_the_services_and_received_once(client, world):
    report = world["report"]
    client.force_login(world["reporter"])
    body = change(report)

    first = send(client, body)
    again = send(client, body)

    assert first.status_code == again.status_code == 200
    assert (first.json()["repeated"], again.json()["repeated"]) == (False, True)
    report.refresh_from_db()
    assert report.version == 2 and report.narrative == "Hai buổi tại thôn Nậm Kè."
    assert (
        inputs_from_figures(report.figures.all())[
            report.programme.indicators.get(code="TA-01").pk
        ].total
        == 6
    )
    assert report.events.filter(kind=ReportEvent.Kind.EDITED).count() == 1
    assert SyncReceipt.objects.filter(report=report).count() == 1


def test_a_submission_sent_twice_is_submitted_once(client, world):
    report = world["report"]
    client.force_login(world["reporter"])
    figures = {code: {"not_applicable": True} for code in ("TA-01", "PRO-02")} | {
        "TA-02": {"not_applicable": True}
    }
    body = change(report, figures=figures, submit=True)

    answers = [send(client, body).json() for _ in range(2)]

    report.refresh_from_db()
    assert report.status == ActivityReport.Status.SUBMITTED
    assert report.events.filter(kind=ReportEvent.Kind.SUBMITTED).count() == 1
    assert [a["submitted"] for a in answers] == [True, True]


def test_a_change_based_on_an_old_version_is_a_conflict_with_the_servers_report(client, world):
    report = world["report"]
    services.report_update(
        actor=world["reporter"],
        report_id=report.pk,
        content=services.ReportContent(title="Bản khác", narrative="Bản trên máy chủ"),
    )
    client.force_login(world["reporter"])

    response = send(client, change(report, base_version=1))

    assert response.status_code == 409
    assert response.json()["server"]["narrative"] == "Bản trên máy chủ"
    assert response.json()["server"]["version"] == 2
    report.refresh_from_db()
    assert report.narrative == "Bản trên máy chủ"
    assert not SyncReceipt.objects.exists()


def test_a_change_breaking_a_figure_rule_changes_nothing(client, world):
    report = world["report"]
    client.force_login(world["reporter"])
    figures = {"PRO-02": {"numerator": 5, "denominator": 3}}

    response = send(client, change(report, figures=figures))

    assert response.status_code == 400
    assert "PRO-02__num" in response.json()["errors"]
    report.refresh_from_db()
    assert report.version == 1


def test_another_organisations_report_is_a_404(client, world):
    client.force_login(world["reporter"])

    assert send(client, change(world["other_report"])).status_code == 404


def test_a_report_opened_offline_is_created_and_a_second_device_meets_a_conflict(client, world):
    client.force_login(world["reporter"])
    new = change(
        world["report"],
        report=None,
        base_version=None,
        organisation=world["organisation"].pk,
        programme="trusted-address",
        period="2026-Q2",
    )

    created = send(client, new)
    second = send(client, {**new, "key": str(uuid.uuid4())})

    assert created.status_code == 200
    report = ActivityReport.objects.get(pk=created.json()["report"]["id"])
    assert (report.organisation, report.period.code) == (world["organisation"], "2026-Q2")
    assert second.status_code == 409 and second.json()["server"]["id"] == report.pk


def test_a_change_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["reporter"])

    assert send(client, change(world["report"])).status_code == 403


def test_the_worker_is_served_for_the_whole_portal_with_what_it_caches(client, world, settings):
    client.force_login(world["reporter"])

    response = client.get(reverse("service-worker"))
    settings.OFFLINE_APP_VERSION = "2"
    other = client.get(reverse("service-worker"))

    assert response["Service-Worker-Allowed"] == "/"
    script = response.content.decode()
    config = json.loads(script.split("var PORTAL_WORKER = ", 1)[1].split(";\n", 1)[0])
    assert config["pages"] == [reverse("reports:offline"), reverse("reports:needs_connection")]
    assert len(config["precache"]) == len(PRECACHED)
    for url in [*config["pages"], config["catalog"], *config["precache"]]:
        assert client.get(url).status_code == 200, url
    assert other.content != response.content
    _worker_script.cache_clear()


def test_the_needs_a_connection_page_leads_to_offline_entry(client, world):
    client.force_login(world["reporter"])

    page = client.get(reverse("reports:needs_connection")).content.decode()

    assert reverse("reports:offline") in page


def test_a_change_to_a_report_must_name_the_version_it_was_based_on(client, world):
    client.force_login(world["reporter"])

    response = send(client, change(world["report"], base_version=None))

    assert response.status_code == 400
    world["report"].refresh_from_db()
    assert world["report"].version == 1


def test_the_bundle_reads_in_a_constant_number_of_queries(client, world):
    client.force_login(world["reporter"])
    url = reverse("reports:offline_data")
    client.get(url)  # the session and the user, settled
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for code in ("2026-Q1", "2026-Q2"):
        report = factories.draft_report(
            organisation=world["organisation"], author=world["reporter"], period_code=code
        )
        services.report_update(
            actor=world["reporter"],
            report_id=report.pk,
            content=services.ReportContent(
                title="x", figures=factories.figures_with_total(report, 3)
            ),
        )

    with CaptureQueriesContext(connection) as more:
        bundle = client.get(url).json()

    assert len(bundle["reports"]) == 3
    assert len(more.captured_queries) == len(few.captured_queries)
