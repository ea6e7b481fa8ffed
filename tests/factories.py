import factory
from factory.django import DjangoModelFactory

from portal.models import Membership, Organisation, Province, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


def province(code: str = "01") -> Province:
    return Province.objects.get(code=code)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.CSO
    province = factory.LazyFunction(province)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.REPORTER

    @factory.post_generation
    def scope_provinces(self, create, extracted, **kwargs):
        if create and extracted:
            self.scope_provinces.set(extracted)

    @factory.post_generation
    def scope_organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.scope_organisations.set(extracted)


def reporter(organisation=None, **kwargs) -> User:
    organisation = organisation or OrganisationFactory()
    return MembershipFactory(organisation=organisation, role="reporter", **kwargs).user


def reviewer(*, provinces=(), organisations=(), organisation=None) -> User:
    membership = MembershipFactory(
        organisation=organisation or OrganisationFactory(kind=Organisation.Kind.VWU_PROVINCIAL),
        role="reviewer",
        scope_provinces=list(provinces),
        scope_organisations=list(organisations),
    )
    return membership.user


def admin_user(**kwargs) -> User:
    organisation = OrganisationFactory(kind=Organisation.Kind.VWU_CENTRAL, province=None)
    membership = MembershipFactory(organisation=organisation, role="admin", **kwargs)
    user = membership.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def period(code: str = "2026-Q2"):
    from reports.models import ReportingPeriod

    return ReportingPeriod.objects.by_code(code)


def programme(code: str = "trusted-address"):
    from indicators.models import Programme

    return Programme.objects.get(code=code)


def draft_report(
    *, organisation=None, author=None, programme_code="trusted-address", period_code="2026-Q2"
):
    """A draft made through the service, as a reporter of the organisation would."""
    from reports import services

    if organisation is None:
        organisation = author.membership_list[0].organisation if author else OrganisationFactory()
    author = author or reporter(organisation=organisation)
    return services.report_create(
        actor=author,
        organisation=organisation,
        programme=programme(programme_code),
        period=period(period_code),
    )


def figures_with_total(report, total: int, ratio: tuple[int, int] = (3, 4)):
    """Valid figures for every indicator of the report's programme: each count is `total`, all
    of it in the first category of each breakdown; each ratio is `ratio`."""
    from reports.figures import FigureInput

    inputs = {}
    for indicator in report.programme.indicators.all():
        if indicator.is_ratio:
            numerators, denominators = {}, {}
            for dimension in indicator.disaggregations:
                (first, _label), *rest = indicator.categories_of(dimension)
                numerators[(dimension, first)], denominators[(dimension, first)] = ratio
                for category, _l in rest:
                    numerators[(dimension, category)] = denominators[(dimension, category)] = 0
            inputs[indicator.pk] = FigureInput(
                numerator=ratio[0],
                denominator=ratio[1],
                numerators=numerators,
                denominators=denominators,
            )
            continue
        cells = {}
        for dimension in indicator.disaggregations:
            (first, _label), *rest = indicator.categories_of(dimension)
            cells[(dimension, first)] = total
            cells.update({(dimension, category): 0 for category, _l in rest})
        inputs[indicator.pk] = FigureInput(total=total, cells=cells)
    return inputs


def complete_figures(report):
    """Figures that pass every submission rule for the report's programme."""
    return figures_with_total(report, 10)


def submitted_report(**kwargs):
    from reports import services

    report = draft_report(**kwargs)
    author = report.created_by
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(title=report.title, figures=complete_figures(report)),
        submit=True,
    )
    report.refresh_from_db()
    return report


def approved_report(*, reviewer_user=None, **kwargs):
    from reports import services

    report = submitted_report(**kwargs)
    reviewer_user = reviewer_user or reviewer(provinces=[report.province])
    services.report_approve(reviewer=reviewer_user, report_id=report.pk)
    report.refresh_from_db()
    return report


def publish(year: int = 2026, quarter: int = 2, *, admin=None, note: str = ""):
    """Lock the year's periods through the quarter and publish them, as the national team would."""
    from reports.models import ReportingPeriod
    from reports.periods import period_dates
    from summaries import services

    admin = admin or admin_user()
    end = period_dates("quarter", year, quarter)[1]
    ReportingPeriod.objects.filter(year=year, end_date__lte=end).update(is_locked=True)
    return services.release_publish(actor=admin, year=year, quarter=quarter, note=note)


def dhis2_uid(prefix: str, number: int) -> str:
    """A well-formed DHIS2 UID, distinct per prefix letter and number."""
    return f"{prefix}{number:010d}"


def dhis2_map_everything() -> None:
    """Map every indicator (and ratio denominator), every cell of every indicator and every
    province and the nation to DHIS2 UIDs, as an admin would before exporting."""
    from indicators.models import (
        CategoryOptionComboMapping,
        DataElementMapping,
        Indicator,
        OrgUnitMapping,
    )

    for indicator in Indicator.objects.order_by("pk"):
        DataElementMapping.objects.update_or_create(
            indicator=indicator,
            defaults={
                "data_element": dhis2_uid("D", indicator.pk),
                "denominator_data_element": dhis2_uid("N", indicator.pk)
                if indicator.is_ratio
                else "",
            },
        )
        for number, (dimension, category) in enumerate(indicator.breakdown()):
            CategoryOptionComboMapping.objects.update_or_create(
                indicator=indicator,
                dimension=dimension,
                category=category,
                defaults={"category_option_combo": dhis2_uid("C", indicator.pk * 100 + number)},
            )
    OrgUnitMapping.objects.update_or_create(province=None, defaults={"org_unit": dhis2_uid("O", 0)})
    for province in Province.objects.all():
        OrgUnitMapping.objects.update_or_create(
            province=province, defaults={"org_unit": dhis2_uid("O", province.pk)}
        )


def dhis2_mappings(province_code: str = "01") -> dict:
    """One DHIS2 mapping of each kind (data element, category option combo, org unit), for the
    walks over every admin model."""
    from indicators.models import (
        CategoryOptionComboMapping,
        DataElementMapping,
        Indicator,
        OrgUnitMapping,
    )

    indicator = Indicator.objects.get(code="TA-01")
    return {
        DataElementMapping: DataElementMapping.objects.create(
            indicator=indicator, data_element="fbfJHSPpUQD"
        ),
        CategoryOptionComboMapping: CategoryOptionComboMapping.objects.create(
            indicator=indicator, dimension="total", category="", category_option_combo="HllvX50cXC0"
        ),
        OrgUnitMapping: OrgUnitMapping.objects.create(
            province=province(province_code), org_unit="ImspTQPwCqd"
        ),
    }
