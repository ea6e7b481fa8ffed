"""The VWU hierarchy and two approval levels.

Staff of a parent organisation read (never edit, submit or decide) their descendants' reports;
a two-level programme's report is approved by the provincial chapter (level 1), then accepted by
the central union (level 2), and counts in the figures only then."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.hierarchy import descendant_ids
from portal.models import Organisation, User
from reports import selectors, services
from reports.models import (
    ActivityReport,
    FundingSource,
    Notification,
    ReportEvent,
    Spending,
    StaleSummary,
)
from summaries.models import ProvincialSummary
from tests import factories

pytestmark = pytest.mark.django_db

Kind = Organisation.Kind
Status = ActivityReport.Status


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the portal's default language is Vietnamese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def fresh(user: User) -> User:
    """The user as a new request loads it (memberships and scope not yet worked out)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def tree():
    """VWU central > Hà Nội chapter > two commune chapters; Hải Phòng chapter > one commune
    chapter; one user per role; the trusted-address programme approved in two levels."""
    hanoi, haiphong = factories.province("01"), factories.province("31")
    org = factories.OrganisationFactory
    central = org(name="TW Hội LHPN", kind=Kind.VWU_CENTRAL, province=None)
    hn = org(name="Hội LHPN Hà Nội", kind=Kind.VWU_PROVINCIAL, province=hanoi, parent=central)
    sonson = org(name="Chi hội Sóc Sơn", kind=Kind.VWU_COMMUNE, province=hanoi, parent=hn)
    bavi = org(name="Chi hội Ba Vì", kind=Kind.VWU_COMMUNE, province=hanoi, parent=hn)
    hp = org(name="Hội LHPN Hải Phòng", kind=Kind.VWU_PROVINCIAL, province=haiphong, parent=central)
    hp_commune = org(name="Chi hội Hải An", kind=Kind.VWU_COMMUNE, province=haiphong, parent=hp)
    programme = factories.programme("trusted-address")
    programme.approval_levels = 2
    programme.save(update_fields=["approval_levels"])
    return {
        "hanoi": hanoi,
        "central": central,
        "hn": hn,
        "sonson": sonson,
        "bavi": bavi,
        "hp": hp,
        "hp_commune": hp_commune,
        "programme": programme,
        "commune_reporter": factories.reporter(organisation=sonson),
        "sibling_reporter": factories.reporter(organisation=bavi),
        "province_staff": factories.reporter(organisation=hn),
        "province_reviewer": factories.reviewer(provinces=[hanoi], organisation=hn),
        "second_province_reviewer": factories.reviewer(provinces=[hanoi], organisation=hn),
        "central_reviewer": factories.reviewer(organisation=central),
        "second_central_reviewer": factories.reviewer(organisation=central),
        "central_staff": factories.reporter(organisation=central),
        "outside_staff": factories.reporter(organisation=hp),
        "admin": factories.admin_user(),
    }


def submitted(tree, organisation="sonson", author="commune_reporter"):
    return factories.submitted_report(organisation=tree[organisation], author=tree[author])


def level_one(tree, **kwargs):
    report = submitted(tree, **kwargs)
    services.report_approve(reviewer=tree["province_reviewer"], report_id=report.pk)
    report.refresh_from_db()
    return report


# --- The tree ----------------------------------------------------------------------------------


def test_a_commune_chapter_sits_under_the_chapter_of_its_province(tree):
    good = Organisation(
        name="Chi hội Đông Anh", kind=Kind.VWU_COMMUNE, province=tree["hanoi"], parent=tree["hn"]
    )
    good.full_clean()

    with pytest.raises(ValidationError) as under_central:
        Organisation(
            name="x", kind=Kind.VWU_COMMUNE, province=tree["hanoi"], parent=tree["central"]
        ).full_clean()
    with pytest.raises(ValidationError) as other_province:
        Organisation(
            name="y", kind=Kind.VWU_COMMUNE, province=tree["hanoi"], parent=tree["hp"]
        ).full_clean()

    assert "parent" in under_central.value.message_dict
    assert "own province" in other_province.value.message_dict["parent"][0]


@pytest.mark.parametrize(
    ("kind", "parent_key"),
    [
        (Kind.VWU_PROVINCIAL, "sonson"),  # a province under a commune
        (Kind.VWU_CENTRAL, "hn"),  # the central union under a province
        (Kind.CSO, "hn"),  # a CSO under a VWU chapter
    ],
)
def test_kinds_that_make_no_sense_under_a_parent_are_refused(tree, kind, parent_key):
    organisation = Organisation(name="z", kind=kind, province=None, parent=tree[parent_key])

    with pytest.raises(ValidationError) as error:
        organisation.full_clean()

    assert "parent" in error.value.message_dict


def test_an_organisation_cannot_sit_under_its_own_member():
    network = factories.OrganisationFactory(kind=Kind.CSO)
    member = factories.OrganisationFactory(kind=Kind.CSO, parent=network)
    grandchild = factories.OrganisationFactory(kind=Kind.CSO, parent=member)

    network.parent = grandchild
    with pytest.raises(ValidationError) as cycle:
        network.full_clean()
    network.parent = network
    with pytest.raises(ValidationError) as itself:
        network.full_clean()

    assert "itself" in cycle.value.message_dict["parent"][0]
    assert "itself" in itself.value.message_dict["parent"][0]


def test_the_database_refuses_an_organisation_that_is_its_own_parent():
    organisation = factories.OrganisationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(parent=organisation.pk)


def test_the_admin_form_refuses_a_cycle(tree, rf):
    from django.contrib import admin

    superuser = factories.admin_user()
    superuser.is_superuser = True
    request = rf.post("/")
    request.user = superuser
    model_admin = admin.site._registry[Organisation]
    central = tree["central"]
    form_class = model_admin.get_form(request, central)

    form = form_class(
        data={
            "name": central.name,
            "kind": Kind.VWU_CENTRAL,
            "parent": tree["sonson"].pk,
            "is_active": "on",
        },
        instance=central,
    )

    assert not form.is_valid()
    assert "parent" in form.errors
    central.refresh_from_db()
    assert central.parent_id is None


def test_a_subtree_is_one_query_and_survives_a_cycle_written_to_the_database(tree):
    with CaptureQueriesContext(connection) as queries:
        below_central = descendant_ids([tree["central"].pk])

    assert len(queries) == 1
    assert below_central == {tree[k].pk for k in ["hn", "sonson", "bavi", "hp", "hp_commune"]}
    assert descendant_ids([tree["hn"].pk]) == {tree["sonson"].pk, tree["bavi"].pk}
    assert descendant_ids([tree["sonson"].pk]) == set()

    # A cycle written around the model: the recursion still ends.
    Organisation.objects.filter(pk=tree["central"].pk).update(parent=tree["sonson"].pk)
    assert tree["central"].pk in descendant_ids([tree["hn"].pk])


# --- Parent staff read their descendants' reports ------------------------------------------------


READERS = [
    # (user, sees the Sóc Sơn report, sees the Hải Phòng commune report)
    ("commune_reporter", True, False),
    ("sibling_reporter", False, False),
    ("province_staff", True, False),
    ("central_staff", True, True),
    ("outside_staff", False, True),
]


@pytest.mark.parametrize(("role", "sees_sonson", "sees_hp"), READERS)
def test_parent_staff_see_their_descendants_reports_in_list_detail_and_history(
    tree, client, role, sees_sonson, sees_hp
):
    sonson = submitted(tree)
    hp = factories.submitted_report(
        organisation=tree["hp_commune"],
        author=factories.reporter(organisation=tree["hp_commune"]),
    )
    user = fresh(tree[role])
    client.force_login(user)

    listed = set(selectors.report_list_for(user=user).values_list("pk", flat=True))
    detail = client.get(reverse("reports:detail", args=[sonson.pk]))
    other = client.get(reverse("reports:detail", args=[hp.pk]))

    assert (sonson.pk in listed) is sees_sonson
    assert (hp.pk in listed) is sees_hp
    assert detail.status_code == (200 if sees_sonson else 404)
    assert other.status_code == (200 if sees_hp else 404)
    if sees_sonson:
        assert 'id="history"' in detail.content.decode()


def test_parent_staff_do_not_see_their_descendants_drafts(tree):
    draft = factories.draft_report(organisation=tree["sonson"], author=tree["commune_reporter"])

    assert not selectors.reports_visible_to(user=fresh(tree["province_staff"])).filter(pk=draft.pk)
    assert not selectors.reports_visible_to(user=fresh(tree["central_staff"])).filter(pk=draft.pk)


@pytest.mark.parametrize("role", ["province_staff", "central_staff"])
def test_parent_staff_never_edit_submit_or_decide_a_descendants_report(tree, client, role):
    report = submitted(tree)
    user = fresh(tree[role])

    with pytest.raises(PermissionDenied):
        services.report_withdraw(actor=user, report_id=report.pk)
    with pytest.raises(PermissionDenied):
        services.report_approve(reviewer=user, report_id=report.pk)
    with pytest.raises(PermissionDenied):
        services.report_return(reviewer=user, report_id=report.pk, comment="Sửa")
    client.force_login(user)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    posted = client.post(
        reverse("reports:approve", args=[report.pk]), {"version": report.version, "comment": ""}
    )

    assert 'id="review-panel"' not in page
    assert reverse("reports:edit", args=[report.pk]) not in page
    assert posted.status_code == 403
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert client.get(reverse("reports:edit", args=[report.pk])).status_code in {302, 403, 404}


def test_the_reading_scope_comes_from_memberships_and_the_tree_never_from_reports(tree):
    from summaries.scope import province_ids_in_scope

    user = fresh(tree["central_staff"])

    with CaptureQueriesContext(connection) as queries:
        provinces = province_ids_in_scope(user=user)
        selectors.reports_visible_to(user=user)  # builds the filter; runs nothing on reports

    assert provinces == {tree["hanoi"].pk, factories.province("31").pk}
    assert not any("reports_activityreport" in q["sql"] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as again:
        province_ids_in_scope(user=user)
        selectors.reports_visible_to(user=user)
    assert len(again) == 0  # worked out once per user object, so once per request


def test_parent_staff_see_the_working_figures_of_their_subtree_only(
    tree, client, django_capture_on_commit_callbacks
):
    sonson = level_one(tree)
    services.report_approve(reviewer=tree["central_reviewer"], report_id=sonson.pk)
    # An approved report in the same province, of an organisation outside the subtree.
    cso = factories.OrganisationFactory(kind=Kind.CSO, province=tree["hanoi"])
    with django_capture_on_commit_callbacks(execute=True):
        factories.approved_report(
            organisation=cso, programme_code="peace-house", reviewer_user=tree["province_reviewer"]
        )
    assert ProvincialSummary.objects.filter(indicator__programmes__code="peace-house").exists()
    user = fresh(tree["province_staff"])
    client.force_login(user)

    page = client.get(reverse("summaries:index"), {"view": "working", "year": 2026})
    figures = page.context["page"]

    assert figures.working and figures.subtree_only
    shown = {table.indicator.programmes.first().code for table in figures.tables}
    assert shown == {"trusted-address"}  # the CSO's peace-house figures are not theirs
    assert 'id="subtree-note"' in page.content.decode()


def test_parent_staff_see_the_working_spending_of_their_subtree_only(
    tree, client, django_capture_on_commit_callbacks
):
    sonson = level_one(tree)
    services.report_approve(reviewer=tree["central_reviewer"], report_id=sonson.pk)
    cso = factories.OrganisationFactory(kind=Kind.CSO, province=tree["hanoi"])
    with django_capture_on_commit_callbacks(execute=True):
        outside = factories.approved_report(
            organisation=cso, programme_code="peace-house", reviewer_user=tree["province_reviewer"]
        )
    for report, amount in ((sonson, 1_100_000), (outside, 9_900_000)):
        Spending.objects.create(
            report=report,
            amount=amount,
            source=FundingSource.VWU_OWN,
            pillar=report.programme.default_pillar,
        )
    client.force_login(fresh(tree["province_staff"]))

    page = client.get(reverse("summaries:index"), {"view": "working", "year": 2026})
    text = page.content.decode()

    assert page.context["page"].subtree_only
    assert "1.100.000" in text or "1,100,000" in text
    assert "9.900.000" not in text and "9,900,000" not in text  # another organisation's spending


# --- Two approval levels -----------------------------------------------------------------------


def test_the_province_approves_then_the_central_union_accepts(
    tree, django_capture_on_commit_callbacks
):
    report = submitted(tree)
    assert report.approval_levels == 2

    with django_capture_on_commit_callbacks(execute=True) as level_1_callbacks:
        services.report_approve(
            reviewer=tree["province_reviewer"], report_id=report.pk, comment="OK"
        )
    report.refresh_from_db()

    assert report.status == Status.APPROVED_LEVEL_1
    assert report.approval_level_reached == 1
    assert not StaleSummary.objects.exists()
    assert not ProvincialSummary.objects.filter(province=tree["hanoi"]).exists()
    assert level_1_callbacks  # the e-mails of the notices went

    # One service for both levels: it acts at the level the report waits at.
    with django_capture_on_commit_callbacks(execute=True):
        services.report_approve(reviewer=tree["central_reviewer"], report_id=report.pk)
    report.refresh_from_db()

    assert report.status == Status.APPROVED
    assert report.approval_level_reached == 2
    assert report.reviewed_by == tree["central_reviewer"]
    assert ProvincialSummary.objects.filter(province=tree["hanoi"], value=10).exists()
    kinds = list(report.events.order_by("created_at", "pk").values_list("kind", "actor"))
    assert kinds[-2:] == [
        (ReportEvent.Kind.APPROVED_LEVEL_1, tree["province_reviewer"].pk),
        (ReportEvent.Kind.ACCEPTED, tree["central_reviewer"].pk),
    ]


def test_each_level_notifies_who_acts_next_and_the_reporters(tree):
    report = submitted(tree)

    services.report_approve(reviewer=tree["province_reviewer"], report_id=report.pk)
    level_1 = set(
        Notification.objects.filter(event_kind="approved_1").values_list("recipient", flat=True)
    )
    services.report_approve(reviewer=tree["central_reviewer"], report_id=report.pk)
    accepted = set(
        Notification.objects.filter(event_kind="accepted").values_list("recipient", flat=True)
    )

    reporter, province, centre, centre_2 = (
        tree[k].pk
        for k in [
            "commune_reporter",
            "province_reviewer",
            "central_reviewer",
            "second_central_reviewer",
        ]
    )
    assert level_1 == {reporter, centre, centre_2}
    assert accepted == {reporter, province}


def test_returning_at_level_two_goes_back_to_the_reporter_with_the_comment(tree, client):
    report = level_one(tree)

    services.report_return(
        reviewer=tree["central_reviewer"], report_id=report.pk, comment="Thiếu số liệu xã"
    )
    report.refresh_from_db()

    assert report.status == Status.RETURNED
    assert selectors.latest_return_comment(report).text == "Thiếu số liệu xã"
    returned = selectors.returned_reports_for(user=fresh(tree["commune_reporter"]))
    assert [r.return_comment for r in returned] == ["Thiếu số liệu xã"]
    told = set(
        Notification.objects.filter(event_kind="returned").values_list("recipient", flat=True)
    )
    assert told == {tree["commune_reporter"].pk, tree["province_reviewer"].pk}
    assert not ProvincialSummary.objects.exists()

    # Corrected and submitted again, it starts at level 1 again.
    services.report_submit(actor=tree["commune_reporter"], report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED and report.review_level == 1


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("province_reviewer", False),  # level 1 only, and approved it at level 1 anyway
        ("second_province_reviewer", False),  # a provincial reviewer is not central
        ("central_staff", False),  # staff of the root read, never decide
        ("central_reviewer", True),
        ("admin", True),
    ],
)
def test_only_central_reviewers_and_admins_accept_at_level_two(tree, role, allowed):
    report = level_one(tree)
    user = fresh(tree[role])

    assert (report.pk in {r.pk for r in selectors.review_queue_for(user=user)}) is allowed
    if allowed:
        services.report_approve(reviewer=user, report_id=report.pk)
        report.refresh_from_db()
        assert report.status == Status.APPROVED
    else:
        with pytest.raises(PermissionDenied):
            services.report_approve(reviewer=user, report_id=report.pk)


def test_a_reviewer_never_approves_both_levels_of_the_same_report(tree):
    # A central reviewer whose scope covers Hà Noi may approve at level 1...
    both = factories.reviewer(provinces=[tree["hanoi"]], organisation=tree["central"])
    report = submitted(tree)
    services.report_approve(reviewer=both, report_id=report.pk)
    report.refresh_from_db()

    # ...but then another reviewer accepts it.
    assert report.pk not in {r.pk for r in selectors.review_queue_for(user=fresh(both))}
    with pytest.raises(PermissionDenied, match="level 1"):
        services.report_approve(reviewer=fresh(both), report_id=report.pk)
    services.report_approve(reviewer=tree["central_reviewer"], report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Status.APPROVED


def test_the_review_queue_shows_what_waits_at_each_level(tree, client):
    waiting_1 = submitted(tree)
    waiting_2 = level_one(tree, organisation="bavi", author="sibling_reporter")

    province_queue = {
        r.pk: r.review_level
        for r in selectors.review_queue_for(user=fresh(tree["second_province_reviewer"]))
    }
    central_queue = {
        r.pk: r.review_level
        for r in selectors.review_queue_for(user=fresh(tree["central_reviewer"]))
    }
    client.force_login(tree["central_reviewer"])
    page = client.get(reverse("reports:queue")).content.decode()

    assert province_queue == {waiting_1.pk: 1}
    assert central_queue == {waiting_2.pk: 2}
    assert "review-level" in page
    assert waiting_2.title in page


def test_the_report_page_shows_the_level_reached_and_the_level_to_decide(tree, client):
    report = level_one(tree)

    client.force_login(tree["central_reviewer"])
    central = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    client.force_login(tree["province_reviewer"])
    approver = client.get(reverse("reports:detail", args=[report.pk])).content.decode()

    assert 'id="approval-level"' in central
    assert 'id="review-panel"' in central
    assert 'id="review-panel"' not in approver
    assert "level 1" in approver.lower() or "cấp 1" in approver.lower()


def test_a_one_level_programme_is_approved_in_one_step_as_before(
    tree, django_capture_on_commit_callbacks
):
    cso = factories.OrganisationFactory(kind=Kind.CSO, province=tree["hanoi"])
    report = factories.submitted_report(organisation=cso, programme_code="peace-house")

    with django_capture_on_commit_callbacks(execute=True):
        services.report_approve(reviewer=tree["province_reviewer"], report_id=report.pk)
    report.refresh_from_db()

    assert report.approval_levels == 1
    assert report.status == Status.APPROVED
    assert report.events.filter(kind=ReportEvent.Kind.APPROVED).exists()
    assert ProvincialSummary.objects.filter(province=tree["hanoi"]).exists()


def test_the_levels_are_fixed_when_a_report_is_submitted(tree):
    report = submitted(tree)
    tree["programme"].approval_levels = 1
    tree["programme"].save(update_fields=["approval_levels"])

    services.report_approve(reviewer=tree["province_reviewer"], report_id=report.pk)
    report.refresh_from_db()

    assert report.status == Status.APPROVED_LEVEL_1  # still two levels: it was submitted so


def test_the_second_of_two_level_one_reviewers_is_told_who_came_first(tree):
    report = submitted(tree)
    opened_at = report.version
    services.report_approve(reviewer=tree["province_reviewer"], report_id=report.pk)

    with pytest.raises(services.ConflictError, match="level 1 first"):
        services.report_approve(
            reviewer=tree["second_province_reviewer"],
            report_id=report.pk,
            expected_version=opened_at,
        )


def test_the_database_refuses_level_one_status_on_a_one_level_report(tree):
    cso = factories.OrganisationFactory(kind=Kind.CSO, province=tree["hanoi"])
    report = factories.submitted_report(organisation=cso, programme_code="peace-house")

    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityReport.objects.filter(pk=report.pk).update(status=Status.APPROVED_LEVEL_1)


# --- The demo ----------------------------------------------------------------------------------


def test_the_demo_has_a_chapter_with_commune_chapters_and_a_two_level_programme():
    import io

    from django.core.management import call_command

    from portal.demo import demo_email

    call_command("seed_demo", "--reports", "150", "--seed", "1", stdout=io.StringIO())

    for organisation in Organisation.objects.select_related("parent"):
        organisation.full_clean()  # the demo's tree follows the rules
    hanoi = Organisation.objects.get(name="Hội LHPN Thành phố Hà Nội")
    communes = set(hanoi.children.filter(kind=Kind.VWU_COMMUNE).values_list("pk", flat=True))
    assert len(communes) >= 2
    two_level = ActivityReport.objects.filter(approval_levels=2)
    assert two_level.filter(status=Status.APPROVED_LEVEL_1).exists()
    assert two_level.filter(status=Status.APPROVED).exists()
    for report in two_level.filter(status=Status.APPROVED):
        levels = dict(report.events.values_list("kind", "actor"))
        assert levels["approved_1"] != levels["accepted"]  # two levels, two people
    chapter_staff = User.objects.get(email=demo_email("reporter"))
    visible = selectors.reports_visible_to(user=chapter_staff)
    assert visible.filter(organisation__in=communes).exists()
    central = User.objects.get(email=demo_email("reviewer.central"))
    assert selectors.review_queue_for(user=central).filter(status=Status.APPROVED_LEVEL_1)
