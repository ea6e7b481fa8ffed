"""The workflow through the service layer: every allowed and forbidden transition."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from reports import services
from reports.models import ActivityReport, Figure, Notification, ReportEvent
from tests import factories

pytestmark = pytest.mark.django_db
Status = ActivityReport.Status


def content(report, **changes):
    values = {"title": report.title, "figures": factories.complete_figures(report)}
    values.update(changes)
    return services.ReportContent(**values)


def test_a_reporter_creates_a_draft_tagged_with_the_programme_pillar():
    report = factories.draft_report()

    assert report.status == Status.DRAFT
    assert list(report.pillar_tags.values_list("pillar", flat=True)) == ["prevention"]
    assert report.province == report.organisation.province
    assert report.events.get().kind == ReportEvent.Kind.CREATED


def test_a_second_report_for_the_same_organisation_programme_and_period_is_refused():
    report = factories.draft_report()

    with pytest.raises(services.DuplicateReportError) as raised:
        factories.draft_report(organisation=report.organisation, author=report.created_by)

    assert raised.value.existing == report
    assert ActivityReport.objects.count() == 1


def test_nobody_else_can_create_a_report_for_an_organisation():
    organisation = factories.OrganisationFactory()
    outsider = factories.reporter()

    with pytest.raises(PermissionDenied):
        factories.draft_report(organisation=organisation, author=outsider)


def test_a_report_cannot_be_opened_for_a_future_or_locked_period(admin_user):
    organisation = factories.OrganisationFactory()
    author = factories.reporter(organisation=organisation)
    locked = factories.period("2026-Q1")
    services.period_set_locked(actor=admin_user, period_id=locked.pk, locked=True)

    with pytest.raises(services.WorkflowError, match="2030"):
        factories.draft_report(organisation=organisation, author=author, period_code="2030-Q4")
    with pytest.raises(services.WorkflowError):
        factories.draft_report(organisation=organisation, author=author, period_code="2026-Q1")


def test_a_quarterly_programme_refuses_a_monthly_period():
    with pytest.raises(services.WorkflowError):
        factories.draft_report(period_code="2026-05")


def test_submit_moves_a_complete_draft_to_submitted_and_notifies_reviewers_in_scope(
    mailoutbox, django_capture_on_commit_callbacks
):
    report = factories.draft_report()
    in_scope = factories.reviewer(provinces=[report.province])
    out_of_scope = factories.reviewer(provinces=[factories.province("79")])

    with django_capture_on_commit_callbacks(execute=True):
        services.report_update(
            actor=report.created_by, report_id=report.pk, content=content(report), submit=True
        )

    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.submitted_by == report.created_by
    assert Notification.objects.filter(recipient=in_scope).count() == 1
    assert not Notification.objects.filter(recipient=out_of_scope).exists()
    assert [m.to for m in mailoutbox] == [[in_scope.email]]


def test_a_reviewer_in_scope_approves_and_the_reporter_is_notified():
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])

    services.report_approve(reviewer=reviewer, report_id=report.pk, comment="Tốt")

    report.refresh_from_db()
    assert report.status == Status.APPROVED
    assert report.reviewed_by == reviewer
    event = report.events.order_by("-pk").first()
    assert (event.kind, event.from_status, event.to_status, event.text) == (
        "approved",
        "submitted",
        "approved",
        "Tốt",
    )
    assert Notification.objects.filter(recipient=report.created_by, event=event).exists()


def test_a_reviewer_can_scope_by_organisation_instead_of_province():
    report = factories.submitted_report()
    reviewer = factories.reviewer(organisations=[report.organisation])

    services.report_approve(reviewer=reviewer, report_id=report.pk)

    assert ActivityReport.objects.get(pk=report.pk).status == Status.APPROVED


def test_returning_needs_a_comment_and_changes_nothing_without_one():
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])

    with pytest.raises(ValidationError):
        services.report_return(reviewer=reviewer, report_id=report.pk, comment="  ")

    assert ActivityReport.objects.get(pk=report.pk).status == Status.SUBMITTED


def test_a_returned_report_is_corrected_and_resubmitted():
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])
    services.report_return(reviewer=reviewer, report_id=report.pk, comment="Kiểm tra lại")

    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=content(report, narrative="Đã sửa"),
        submit=True,
    )

    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.narrative == "Đã sửa"
    kinds = list(report.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "edited", "submitted", "returned", "edited", "submitted"]


def test_a_reviewer_out_of_scope_cannot_approve():
    report = factories.submitted_report()
    outsider = factories.reviewer(provinces=[factories.province("79")])

    with pytest.raises(PermissionDenied):
        services.report_approve(reviewer=outsider, report_id=report.pk)

    assert ActivityReport.objects.get(pk=report.pk).status == Status.SUBMITTED


def test_a_reviewer_can_never_review_a_report_they_created_or_submitted():
    organisation = factories.OrganisationFactory()
    author = factories.reporter(organisation=organisation)
    factories.MembershipFactory(
        user=author,
        organisation=organisation,
        role="reviewer",
        scope_provinces=[organisation.province],
    )
    report = factories.submitted_report(organisation=organisation, author=author)

    with pytest.raises(PermissionDenied):
        services.report_approve(reviewer=author, report_id=report.pk)
    with pytest.raises(PermissionDenied):
        services.report_return(reviewer=author, report_id=report.pk, comment="x")


def test_an_admin_cannot_approve_their_own_report_either(admin_user):
    organisation = admin_user.membership_list[0].organisation
    factories.MembershipFactory(user=admin_user, organisation=organisation, role="reporter")
    organisation.province = factories.province("01")
    organisation.save()
    admin_user = type(admin_user).objects.get(pk=admin_user.pk)
    report = factories.submitted_report(organisation=organisation, author=admin_user)

    with pytest.raises(PermissionDenied):
        services.report_approve(reviewer=admin_user, report_id=report.pk)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "approve"),
        ("draft", "return"),
        ("draft", "withdraw"),
        ("draft", "reopen"),
        ("submitted", "update"),
        ("submitted", "submit"),
        ("submitted", "reopen"),
        ("returned", "approve"),
        ("returned", "withdraw"),
        ("approved", "update"),
        ("approved", "submit"),
        ("approved", "approve"),
        ("approved", "return"),
        ("approved", "withdraw"),
    ],
)
def test_forbidden_transitions_are_refused_and_change_nothing(status, action, admin_user):
    report = {
        "draft": factories.draft_report,
        "submitted": factories.submitted_report,
        "approved": factories.approved_report,
    }.get(status, factories.submitted_report)()
    reviewer = factories.reviewer(provinces=[report.province])
    if status == "returned":
        services.report_return(reviewer=reviewer, report_id=report.pk, comment="x")
        report.refresh_from_db()
    author = report.created_by
    before = (report.status, report.version, report.events.count())
    calls = {
        "approve": lambda: services.report_approve(reviewer=reviewer, report_id=report.pk),
        "return": lambda: services.report_return(
            reviewer=reviewer, report_id=report.pk, comment="x"
        ),
        "withdraw": lambda: services.report_withdraw(actor=author, report_id=report.pk),
        "reopen": lambda: services.report_reopen(actor=admin_user, report_id=report.pk, reason="x"),
        "update": lambda: services.report_update(
            actor=author, report_id=report.pk, content=content(report)
        ),
        "submit": lambda: services.report_submit(actor=author, report_id=report.pk),
    }

    with pytest.raises(services.WorkflowError):
        calls[action]()

    report.refresh_from_db()
    assert (report.status, report.version, report.events.count()) == before


def test_a_submitted_report_can_be_withdrawn_to_draft_by_its_organisation():
    report = factories.submitted_report()

    services.report_withdraw(actor=report.created_by, report_id=report.pk)

    assert ActivityReport.objects.get(pk=report.pk).status == Status.DRAFT


def test_only_an_admin_reopens_an_approved_report_and_a_reason_is_required(admin_user):
    report = factories.approved_report()
    reviewer = report.reviewed_by

    with pytest.raises(PermissionDenied):
        services.report_reopen(actor=reviewer, report_id=report.pk, reason="sai số")
    with pytest.raises(ValidationError):
        services.report_reopen(actor=admin_user, report_id=report.pk, reason="")
    services.report_reopen(actor=admin_user, report_id=report.pk, reason="Sai số liệu")

    report.refresh_from_db()
    assert report.status == Status.RETURNED
    assert report.events.order_by("-pk").first().text == "Sai số liệu"


def test_a_stale_version_is_refused_so_nothing_is_overwritten():
    report = factories.draft_report()
    services.report_update(actor=report.created_by, report_id=report.pk, content=content(report))

    with pytest.raises(services.ConflictError):
        services.report_update(
            actor=report.created_by,
            report_id=report.pk,
            content=content(report, title="Old tab"),
            expected_version=report.version,
        )

    assert ActivityReport.objects.get(pk=report.pk).title != "Old tab"


def test_a_second_decision_tells_the_reviewer_who_decided_first():
    report = factories.submitted_report()
    first = factories.reviewer(provinces=[report.province])
    second = factories.reviewer(provinces=[report.province])
    services.report_approve(reviewer=first, report_id=report.pk, expected_version=report.version)

    with translation.override("en"), pytest.raises(services.ConflictError, match="approved"):
        services.report_return(
            reviewer=second, report_id=report.pk, comment="x", expected_version=report.version
        )


def test_updating_replaces_figures_and_keeps_the_default_pillar():
    report = factories.draft_report()

    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=content(report, pillars=["participation"]),
    )
    services.report_update(actor=report.created_by, report_id=report.pk, content=content(report))

    assert set(report.pillar_tags.values_list("pillar", flat=True)) == {"prevention"}
    assert Figure.objects.filter(report=report, dimension="total").count() == 3


# --- The province of a report follows its organisation ----------------------------------------


def national_organisation():
    return factories.OrganisationFactory(kind="vwu_central", province=None)


def test_a_provincial_organisation_cannot_open_a_report_in_another_province():
    organisation = factories.OrganisationFactory(province=factories.province("01"))
    author = factories.reporter(organisation=organisation)

    with pytest.raises(ValidationError) as raised:
        services.report_create(
            actor=author,
            organisation=organisation,
            programme=factories.programme(),
            period=factories.period("2026-Q2"),
            province=factories.province("79"),
        )

    assert "province" in raised.value.message_dict
    assert not ActivityReport.objects.exists()


def test_naming_the_organisations_own_province_is_accepted():
    organisation = factories.OrganisationFactory(province=factories.province("01"))

    report = services.report_create(
        actor=factories.reporter(organisation=organisation),
        organisation=organisation,
        programme=factories.programme(),
        period=factories.period("2026-Q2"),
        province=factories.province("01"),
    )

    assert report.province == organisation.province


def test_a_national_organisation_chooses_the_province_and_must_choose_one():
    organisation = national_organisation()
    author = factories.reporter(organisation=organisation)
    arguments = {
        "actor": author,
        "organisation": organisation,
        "programme": factories.programme(),
        "period": factories.period("2026-Q2"),
    }
    with pytest.raises(ValidationError) as raised:
        services.report_create(**arguments)
    assert "province" in raised.value.message_dict

    report = services.report_create(**arguments, province=factories.province("79"))

    assert report.province == factories.province("79")


def test_editing_cannot_move_a_provincial_organisations_report_to_another_province():
    report = factories.draft_report()
    before = ActivityReport.objects.values().get(pk=report.pk)

    with pytest.raises(ValidationError) as raised:
        services.report_update(
            actor=report.created_by,
            report_id=report.pk,
            content=content(report, title="Moved", province_id=factories.province("79").pk),
        )

    assert "province" in raised.value.message_dict
    assert ActivityReport.objects.values().get(pk=report.pk) == before
    assert not report.events.filter(kind=ReportEvent.Kind.EDITED).exists()


def test_editing_without_a_province_keeps_the_organisations_one():
    report = factories.draft_report()

    services.report_update(
        actor=report.created_by, report_id=report.pk, content=content(report, province_id=None)
    )

    report.refresh_from_db()
    assert report.province == report.organisation.province


def test_a_national_organisations_report_may_move_between_provinces_while_editable():
    organisation = national_organisation()
    author = factories.reporter(organisation=organisation)
    report = services.report_create(
        actor=author,
        organisation=organisation,
        programme=factories.programme(),
        period=factories.period("2026-Q2"),
        province=factories.province("01"),
    )

    services.report_update(
        actor=author,
        report_id=report.pk,
        content=content(report, province_id=factories.province("79").pk),
    )

    report.refresh_from_db()
    assert report.province == factories.province("79")
