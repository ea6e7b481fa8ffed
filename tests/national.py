"""Ministries and their national reports, made through the services, for the tests."""

from portal.models import Organisation
from reports import services
from reports.figures import FigureInput
from tests import factories


def ministry(*programme_codes: str, name: str = "") -> Organisation:
    """A ministry (a national body: no province) running the national programmes named."""
    organisation = factories.OrganisationFactory(
        kind=Organisation.Kind.MINISTRY, province=None, **({"name": name} if name else {})
    )
    for code in programme_codes or ("nap-national",):
        factories.programme(code).organisations.add(organisation)
    return organisation


def national_report(
    organisation: Organisation,
    *,
    programme_code: str = "nap-national",
    period_code: str = "2026",
    values: dict[str, int | tuple[int, int]] | None = None,
    approve: bool = True,
):
    """A national report with every figure (counts 10, ratios 30/40 unless `values` says), submitted
    and, unless asked not to, approved by a reviewer of the ministry."""
    author = factories.reporter(organisation=organisation)
    report = services.report_create(
        actor=author,
        organisation=organisation,
        programme=factories.programme(programme_code),
        period=factories.period(period_code),
    )
    figures = factories.figures_with_total(report, 10, ratio=(30, 40))
    for indicator in report.programme.indicators.all():
        wanted = (values or {}).get(indicator.code)
        if isinstance(wanted, tuple):
            figures[indicator.pk] = FigureInput(numerator=wanted[0], denominator=wanted[1])
        elif wanted is not None:
            figures[indicator.pk] = factories.figures_with_total(report, wanted)[indicator.pk]
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(title="Báo cáo quốc gia", figures=figures),
        submit=True,
    )
    if approve:
        checker = factories.reviewer(organisations=[organisation])
        services.report_approve(reviewer=checker, report_id=report.pk)
    report.refresh_from_db()
    return report
