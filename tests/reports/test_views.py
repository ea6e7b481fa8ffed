"""Every report page and action by role: who gets the page, who gets 404, who gets 403."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import ActivityReport, ReportingPeriod
from tests import factories
from tests.files import small_pdf

pytestmark = pytest.mark.django_db
PDF = small_pdf()


@pytest.fixture
def world():
    """A report's organisation in Hà Nội, an outside organisation, and one user per role."""
    organisation = factories.OrganisationFactory(province=factories.province("01"))
    author = factories.reporter(organisation=organisation)
    return {
        "organisation": organisation,
        "anonymous": None,
        "own_reporter": author,
        "other_reporter": factories.reporter(),
        "reviewer_in_scope": factories.reviewer(provinces=[factories.province("01")]),
        "reviewer_out_of_scope": factories.reviewer(provinces=[factories.province("79")]),
        "admin": factories.admin_user(),
    }


def make(world, state):
    kwargs = {"organisation": world["organisation"], "author": world["own_reporter"]}
    if state == "draft":
        return factories.draft_report(**kwargs)
    if state == "submitted":
        return factories.submitted_report(**kwargs)
    return factories.approved_report(reviewer_user=world["reviewer_in_scope"], **kwargs)


ROLES = [
    "anonymous",
    "own_reporter",
    "other_reporter",
    "reviewer_in_scope",
    "reviewer_out_of_scope",
    "admin",
]

# (page, report state, method): expected status for each role, in ROLES order.
TABLE = [
    ("detail", "draft", "get", [302, 200, 404, 404, 404, 200]),
    ("detail", "submitted", "get", [302, 200, 404, 200, 404, 200]),
    ("detail", "approved", "get", [302, 200, 404, 200, 404, 200]),
    ("edit", "draft", "get", [302, 200, 404, 404, 404, 403]),
    ("edit", "submitted", "get", [302, 302, 404, 403, 404, 403]),
    ("submit", "draft", "post", [302, 302, 404, 404, 404, 403]),
    ("withdraw", "submitted", "post", [302, 302, 404, 403, 404, 403]),
    ("approve", "submitted", "post", [302, 403, 404, 302, 404, 302]),
    ("return", "submitted", "post", [302, 403, 404, 302, 404, 302]),
    ("reopen", "approved", "post", [302, 403, 404, 403, 404, 302]),
    ("attachment_add", "draft", "post", [302, 302, 404, 404, 404, 403]),
]
# What the state is after a successful action (a 302 from an allowed role).
RESULT = {
    "submit": "submitted",
    "withdraw": "draft",
    "approve": "approved",
    "return": "returned",
    "reopen": "returned",
}
ALLOWED = {
    "submit": {"own_reporter"},
    "withdraw": {"own_reporter"},
    "approve": {"reviewer_in_scope", "admin"},
    "return": {"reviewer_in_scope", "admin"},
    "reopen": {"admin"},
}

CASES = [
    (page, state, method, role, expected)
    for page, state, method, codes in TABLE
    for role, expected in zip(ROLES, codes, strict=True)
]


@pytest.mark.parametrize(
    ("page", "state", "method", "role", "expected"),
    CASES,
    ids=[f"{p}-{s}-{r}" for p, s, _m, r, _e in CASES],
)
def test_report_pages_and_actions_by_role(client, world, page, state, method, role, expected):
    report = make(world, state)
    if world[role] is not None:
        client.force_login(world[role])
    if page == "submit":
        services.report_update(
            actor=world["own_reporter"],
            report_id=report.pk,
            content=services.ReportContent(
                title=report.title, figures=factories.complete_figures(report)
            ),
        )
    data = {"comment": "Cần bổ sung", "reason": "Sai số liệu", "version": ""}
    if page == "attachment_add":
        data["file"] = SimpleUploadedFile("a.pdf", PDF)

    url = reverse(f"reports:{page}", args=[report.pk])
    response = client.get(url) if method == "get" else client.post(url, data)

    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    report.refresh_from_db()
    if page in RESULT:
        allowed = role in ALLOWED[page]
        assert (report.status == RESULT[page]) is allowed


LIST_TABLE = [
    ("reports:list", [302, 200, 200, 200, 200, 200]),
    ("reports:queue", [302, 200, 200, 200, 200, 200]),
    ("reports:returned", [302, 200, 200, 200, 200, 200]),
    ("reports:create", [302, 200, 200, 403, 403, 403]),
    ("reports:periods", [302, 403, 403, 403, 403, 200]),
    ("reports:notifications", [302, 200, 200, 200, 200, 200]),
]


@pytest.mark.parametrize(
    ("name", "role", "expected"),
    [(n, r, e) for n, codes in LIST_TABLE for r, e in zip(ROLES, codes, strict=True)],
)
def test_list_pages_by_role(client, world, name, role, expected):
    if world[role] is not None:
        client.force_login(world[role])

    assert client.get(reverse(name)).status_code == expected


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("own_reporter", {"draft", "submitted"}),
        ("other_reporter", set()),
        ("reviewer_in_scope", {"submitted"}),
        ("reviewer_out_of_scope", set()),
        ("admin", {"draft", "submitted"}),
    ],
)
def test_the_report_list_holds_only_what_the_role_may_see(client, world, role, sees):
    make(world, "draft")
    other_programme = factories.submitted_report(
        organisation=world["organisation"], author=world["own_reporter"], period_code="2026-Q1"
    )
    client.force_login(world[role])

    response = client.get(reverse("reports:list"))

    assert {r.status for r in response.context["reports"]} == sees
    if "submitted" in sees:
        assert other_programme in response.context["reports"]


def test_the_review_queue_holds_submitted_reports_in_scope_oldest_first(client, world):
    older = factories.submitted_report(
        organisation=world["organisation"], author=world["own_reporter"], period_code="2026-Q1"
    )
    newer = make(world, "submitted")
    factories.submitted_report(  # another province, out of scope
        organisation=factories.OrganisationFactory(province=factories.province("79"))
    )
    client.force_login(world["reviewer_in_scope"])

    response = client.get(reverse("reports:queue"))

    assert list(response.context["reports"]) == [older, newer]


def test_the_periods_list_starts_with_the_newest_started_period(client):
    client.force_login(factories.admin_user())

    response = client.get(reverse("reports:periods"))

    listed = list(response.context["periods"])
    newest = ReportingPeriod.objects.started().order_by("-start_date", "kind").first()
    assert listed[0] == newest
    assert all(period.start_date <= timezone.localdate() for period in listed)


def test_the_review_queue_offers_no_status_filter_since_it_holds_submitted_reports_only(
    client, world
):
    client.force_login(world["reviewer_in_scope"])

    queue = client.get(reverse("reports:queue"))
    reports = client.get(reverse("reports:list"))

    assert 'name="status"' not in queue.content.decode()
    assert 'name="period"' in queue.content.decode()
    assert 'name="status"' in reports.content.decode()


@pytest.mark.parametrize("role", ["own_reporter", "other_reporter", "reviewer_out_of_scope"])
def test_attachments_download_only_for_those_who_see_the_report(client, world, role):
    report = make(world, "draft")
    attachment = services.attachment_add(
        actor=world["own_reporter"], report_id=report.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(world[role])

    response = client.get(reverse("reports:attachment_download", args=[report.pk, attachment.pk]))

    assert response.status_code == (200 if role == "own_reporter" else 404)


def test_period_lock_is_for_admins_only(client, world):
    period = factories.period("2026-Q2")
    url = reverse("reports:period_lock", args=[period.pk])
    client.force_login(world["reviewer_in_scope"])
    assert client.post(url, {"locked": "1", "confirm": "on"}).status_code == 403

    client.force_login(world["admin"])
    client.post(url, {"locked": "1", "confirm": "on"})

    period.refresh_from_db()
    assert period.is_locked
    assert period.locked_by == world["admin"]


def test_posting_status_organisation_or_reviewer_changes_nothing(client, world):
    report = make(world, "draft")
    other = world["other_reporter"].membership_list[0].organisation
    client.force_login(world["own_reporter"])

    client.post(
        reverse("reports:edit", args=[report.pk]),
        {
            "title": "Tiêu đề mới",
            "province": report.province_id,
            "version": report.version,
            "status": "approved",
            "organisation": other.pk,
            "reviewed_by": world["admin"].pk,
            "created_by": world["admin"].pk,
            "version_override": 99,
            "save": "1",
        },
    )

    report.refresh_from_db()
    assert report.title == "Tiêu đề mới"
    assert report.status == "draft"
    assert report.organisation == world["organisation"]
    assert report.reviewed_by is None
    assert report.created_by == world["own_reporter"]


def test_creating_through_the_page_ignores_an_organisation_the_user_does_not_report_for(
    client, world
):
    client.force_login(world["own_reporter"])
    other = world["other_reporter"].membership_list[0].organisation

    response = client.post(
        reverse("reports:create"),
        {
            "organisation": other.pk,
            "programme": factories.programme().pk,
            "period": factories.period("2026-Q2").pk,
        },
    )

    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not ActivityReport.objects.exists()


def test_creating_twice_leads_to_the_existing_report(client, world):
    world["organisation"].programmes.add(factories.programme())
    client.force_login(world["own_reporter"])
    data = {
        "organisation": world["organisation"].pk,
        "programme": factories.programme().pk,
        "period": factories.period("2026-Q2").pk,
    }

    first = client.post(reverse("reports:create"), data)
    second = client.post(reverse("reports:create"), data)

    report = ActivityReport.objects.get()
    assert first["Location"] == reverse("reports:edit", args=[report.pk])
    assert second["Location"] == report.get_absolute_url()


SCRIPT = "<script>alert('x')</script>"
ATTRIBUTE = '" onmouseover="alert(1)" x="'


def test_free_text_is_escaped_wherever_it_is_shown(
    client, world, django_capture_on_commit_callbacks
):
    report = factories.draft_report(
        organisation=world["organisation"], author=world["own_reporter"]
    )
    services.report_update(
        actor=world["own_reporter"],
        report_id=report.pk,
        content=services.ReportContent(
            title=f"T {SCRIPT}{ATTRIBUTE}",
            narrative=f"N {SCRIPT}\n{ATTRIBUTE}",
            commune=SCRIPT,
            figures=factories.complete_figures(report),
        ),
        submit=True,
    )
    services.report_return(
        reviewer=world["reviewer_in_scope"], report_id=report.pk, comment=f"C {SCRIPT}{ATTRIBUTE}"
    )
    client.force_login(world["own_reporter"])

    pages = [
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:edit", args=[report.pk]),
        reverse("reports:list"),
        reverse("reports:returned"),
        reverse("reports:notifications"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert SCRIPT not in html, url
        assert 'onmouseover="alert(1)"' not in html, url
        assert "&lt;script&gt;" in html, url


def _count_queries(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["reports:list", "reports:queue", "reports:detail"])
def test_pages_run_a_constant_number_of_queries(client, world, name, django_assert_max_num_queries):
    target = make(world, "submitted")
    factories.submitted_report(  # the period before, which the report page compares with
        organisation=world["organisation"], author=world["own_reporter"], period_code="2026-Q1"
    )
    client.force_login(world["admin"])
    url = reverse(name, args=[target.pk]) if name == "reports:detail" else reverse(name)
    few = _count_queries(client, url, django_assert_max_num_queries)

    for code in ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]:
        factories.submitted_report(
            organisation=world["organisation"], author=world["own_reporter"], period_code=code
        )
    many = _count_queries(client, url, django_assert_max_num_queries)

    assert many == few
    with django_assert_max_num_queries(20):
        client.get(url)


# --- Hostile values in the create and edit POSTs: refused with an error, or ignored ------------


def _other_organisation(world):
    return world["other_reporter"].membership_list[0].organisation.pk


def _inactive_programme(world):
    from indicators.models import Programme

    programme = Programme.objects.exclude(code="trusted-address").order_by("code").first()
    programme.is_active = False
    programme.save(update_fields=["is_active"])
    return programme.pk


def _locked_period(world):
    period = factories.period("2026-Q1")
    services.period_set_locked(actor=world["admin"], period_id=period.pk, locked=True)
    return period.pk


CREATE_HOSTILE = [
    ("organisation", _other_organisation, "refused"),
    ("organisation", lambda world: 999999, "refused"),
    ("programme", _inactive_programme, "refused"),
    ("programme", lambda world: "x", "refused"),
    ("period", _locked_period, "refused"),
    ("period", lambda world: factories.period("2030-Q4").pk, "refused"),  # not started
    ("period", lambda world: factories.period("2026-05").pk, "refused"),  # a month: wrong kind
    ("province", lambda world: factories.province("79").pk, "ignored"),
    ("status", lambda world: "approved", "ignored"),
    ("version", lambda world: 99, "ignored"),
    ("created_by", lambda world: world["admin"].pk, "ignored"),
    ("submitted_by", lambda world: world["admin"].pk, "ignored"),
    ("reviewed_by", lambda world: world["admin"].pk, "ignored"),
    ("id", lambda world: 424242, "ignored"),
]


@pytest.mark.parametrize(
    ("field", "value", "outcome"),
    CREATE_HOSTILE,
    ids=[f"{field}-{outcome}-{n}" for n, (field, _v, outcome) in enumerate(CREATE_HOSTILE)],
)
def test_a_hostile_value_in_the_create_post_is_refused_or_ignored(
    client, world, field, value, outcome
):
    world["organisation"].programmes.add(factories.programme())  # the form offers what it runs
    client.force_login(world["own_reporter"])
    data = {
        "organisation": world["organisation"].pk,
        "programme": factories.programme().pk,
        "period": factories.period("2026-Q2").pk,
    }
    data[field] = value(world)

    response = client.post(reverse("reports:create"), data)

    if outcome == "refused":
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not ActivityReport.objects.exists()
        return
    assert response.status_code == 302
    report = ActivityReport.objects.get()
    assert report.pk != 424242
    assert report.organisation == world["organisation"]
    assert report.province == world["organisation"].province
    assert (report.status, report.version) == ("draft", 1)
    assert report.created_by == world["own_reporter"]
    assert report.submitted_by is None and report.reviewed_by is None


def test_the_create_page_has_no_province_for_a_reporter_of_provincial_organisations_only(
    client, world
):
    client.force_login(world["own_reporter"])

    form = client.get(reverse("reports:create")).context["form"]

    assert "province" not in form.fields


def test_a_reporter_of_a_national_and_a_provincial_body_chooses_a_province_only_for_the_first(
    client, world
):
    national = factories.OrganisationFactory(kind="vwu_central", province=None)
    factories.MembershipFactory(user=world["own_reporter"], organisation=national)
    for organisation in (national, world["organisation"]):  # the form offers what they run
        organisation.programmes.add(factories.programme())
    client.force_login(world["own_reporter"])
    elsewhere = factories.province("79")
    data = {"programme": factories.programme().pk, "period": factories.period("2026-Q2").pk}

    refused = client.post(
        reverse("reports:create"),
        {**data, "organisation": world["organisation"].pk, "province": elsewhere.pk},
    )
    accepted = client.post(
        reverse("reports:create"), {**data, "organisation": national.pk, "province": elsewhere.pk}
    )

    assert "province" in refused.context["form"].errors
    assert accepted.status_code == 302
    assert ActivityReport.objects.get().organisation == national
    assert ActivityReport.objects.get().province == elsewhere


EDIT_HOSTILE = [
    ("province", lambda world, report: factories.province("79").pk, "ignored"),
    ("organisation", lambda world, report: _other_organisation(world), "ignored"),
    ("programme", lambda world, report: _inactive_programme(world), "ignored"),
    ("period", lambda world, report: factories.period("2026-Q1").pk, "ignored"),
    ("status", lambda world, report: "approved", "ignored"),
    ("created_by", lambda world, report: world["admin"].pk, "ignored"),
    ("submitted_by", lambda world, report: world["admin"].pk, "ignored"),
    ("reviewed_by", lambda world, report: world["admin"].pk, "ignored"),
    ("reviewed_at", lambda world, report: "2026-01-01 00:00", "ignored"),
    ("version", lambda world, report: report.version + 5, "refused"),
    ("version", lambda world, report: "", "refused"),
    ("pillars", lambda world, report: "not-a-pillar", "refused"),
    ("TA-01__total", lambda world, report: "-5", "refused"),
]
OWNERSHIP = [
    "organisation_id",
    "programme_id",
    "period_id",
    "province_id",
    "status",
    "created_by_id",
    "submitted_by_id",
    "reviewed_by_id",
    "reviewed_at",
]


@pytest.mark.parametrize(
    ("field", "value", "outcome"),
    EDIT_HOSTILE,
    ids=[f"{field}-{outcome}-{n}" for n, (field, _v, outcome) in enumerate(EDIT_HOSTILE)],
)
def test_a_hostile_value_in_the_edit_post_is_refused_or_ignored(
    client, world, field, value, outcome
):
    report = make(world, "draft")
    before = ActivityReport.objects.values().get(pk=report.pk)
    client.force_login(world["own_reporter"])
    data = {
        "title": "Tiêu đề mới",
        "province": report.province_id,
        "version": report.version,
        "save": "1",
    }
    data[field] = value(world, report)

    response = client.post(reverse("reports:edit", args=[report.pk]), data)

    after = ActivityReport.objects.values().get(pk=report.pk)
    assert {k: after[k] for k in OWNERSHIP} == {k: before[k] for k in OWNERSHIP}
    if outcome == "refused":
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors
        assert after == before
    else:
        assert response.status_code == 302
        assert after["title"] == "Tiêu đề mới"
        assert after["version"] == before["version"] + 1


def test_the_edit_page_shows_a_provincial_organisations_province_but_does_not_take_it(
    client, world
):
    report = make(world, "draft")
    client.force_login(world["own_reporter"])

    form = client.get(reverse("reports:edit", args=[report.pk])).context["form"]

    assert form.fields["province"].disabled


def test_a_national_organisation_moves_its_draft_to_another_province_on_the_edit_page(client):
    national = factories.OrganisationFactory(kind="vwu_central", province=None)
    author = factories.reporter(organisation=national)
    report = services.report_create(
        actor=author,
        organisation=national,
        programme=factories.programme(),
        period=factories.period("2026-Q2"),
        province=factories.province("01"),
    )
    client.force_login(author)

    response = client.post(
        reverse("reports:edit", args=[report.pk]),
        {
            "title": report.title,
            "province": factories.province("79").pk,
            "version": report.version,
            "save": "1",
        },
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.province == factories.province("79")
