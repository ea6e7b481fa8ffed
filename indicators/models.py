import contextlib
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indicators import disaggregation
from portal.localized import BilingualNameMixin, pick_language

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Pillar(models.TextChoices):
    """The five pillars of the NAP on Women, Peace and Security (Decision 101/QĐ-TTg)."""

    PARTICIPATION = "participation", _("Participation")
    PROTECTION = "protection", _("Protection")
    PREVENTION = "prevention", _("Prevention")
    RELIEF_RECOVERY = "relief_recovery", _("Relief and recovery")
    INTERNATIONAL_COOPERATION = "international_cooperation", _("International cooperation")


UNIT_LABELS = {
    "%": "%",
    "count": _("count"),
    "persons": _("persons"),
    "campaigns": _("campaigns"),
    "cases": _("cases"),
    "sessions": _("sessions"),
    "events": _("events"),
    "delegations": _("delegations"),
}


class Indicator(BilingualNameMixin, models.Model):
    class Aggregation(models.TextChoices):
        COUNT = "count", _("Count (figures add up)")
        RATIO = "ratio", _("Ratio (numerator and denominator)")

    class TimeRule(models.TextChoices):
        """How values of successive periods roll up into a year."""

        SUM = "sum", _("Sum of the periods (a flow: people sheltered in the period)")
        LAST = "last", _("Last period with data (a stock: trusted addresses operating)")
        MAX = "max", _("Highest period")
        AVERAGE = "average", _("Average of the periods with data")

    class TargetReading(models.TextChoices):
        LEVEL = "level", _("Level reached in the target year")
        CUMULATIVE = "cumulative", _("Cumulative since the plan's start (2024)")

    class Evidence(models.TextChoices):
        TEXT = "text", _("Official text")
        PARTIAL = "partial", _("Partly sourced")
        NEWS = "news summary", _("News summary")
        OVERVIEW = "overview", _("Public overview")
        ACTIVITY = "activity", _("Programme activity count")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300)
    pillar = models.CharField(_("pillar"), max_length=30, choices=Pillar.choices)
    unit = models.CharField(_("unit"), max_length=30, help_text=_("e.g. %, persons, cases."))
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.COUNT
    )
    time_rule = models.CharField(
        _("over time"),
        max_length=10,
        choices=TimeRule.choices,
        default=TimeRule.SUM,
        help_text=_(
            "How the periods of a year roll up: counts of things that exist at a date "
            "(stocks) take the last period, never a sum."
        ),
    )
    target_reading = models.CharField(
        _("target read as"),
        max_length=12,
        choices=TargetReading.choices,
        default=TargetReading.LEVEL,
    )
    disaggregation = models.JSONField(
        _("disaggregation"),
        default=dict,
        blank=True,
        validators=[disaggregation.normalise],
        help_text=_(
            "The categories valid for this indicator, by dimension: two or more make a breakdown "
            "(with “not recorded”), one restricts who is counted (women only), none: not asked."
        ),
    )
    description = models.TextField(_("definition"), blank=True)
    source = models.TextField(_("source"), blank=True)
    evidence = models.CharField(_("evidence"), max_length=20, choices=Evidence.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("indicators:indicator_detail", kwargs={"code": self.code})

    def clean(self):
        super().clean()
        # Categories in their natural order, empty dimensions left out (the validator has
        # already said what is wrong with an invalid declaration).
        with contextlib.suppress(ValidationError):
            self.disaggregation = disaggregation.normalise(self.disaggregation)

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == self.Aggregation.RATIO

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language (the catalogue stores a short English code)."""
        return str(UNIT_LABELS.get(self.unit, self.unit))

    @property
    def disaggregations(self) -> list[str]:
        """The dimensions reports break this indicator down by (two or more valid categories)."""
        return disaggregation.breakdown_dimensions(self.disaggregation or {})

    def categories_of(self, dimension: str) -> "list[tuple[str, StrOrPromise]]":
        """The categories of a dimension valid for this indicator, with their labels, in order."""
        valid = set((self.disaggregation or {}).get(dimension, []))
        return [(c, label) for c, label in disaggregation.categories(dimension) if c in valid]

    def breakdown(self) -> list[tuple[str, str]]:
        """Every cell of the indicator: the total, then each breakdown's categories in order."""
        return [(disaggregation.TOTAL, "")] + [
            (dimension, category)
            for dimension in self.disaggregations
            for category, _label in self.categories_of(dimension)
        ]

    @property
    def breakdown_labels(self) -> list[tuple[str, list[str]]]:
        """(dimension label, [category labels]) of each breakdown, for the catalogue page."""
        return [
            (
                str(disaggregation.DIMENSIONS[d][0]),
                [str(label) for _c, label in self.categories_of(d)],
            )
            for d in self.disaggregations
        ]

    @property
    def restrictions(self) -> list[tuple[str, str]]:
        """(dimension label, category label) of each dimension restricted to one category."""
        declared = self.disaggregation or {}
        return [
            (str(label), disaggregation.category_label(d, declared[d][0]))
            for d, (label, _categories) in disaggregation.DIMENSIONS.items()
            if len(declared.get(d, [])) == 1
        ]


class Target(models.Model):
    """A baseline or a target value of an indicator for a year, with where it comes from."""

    class Kind(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        TARGET = "target", _("Target")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TARGET)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    qualifier = models.CharField(
        _("qualifier"),
        max_length=2,
        blank=True,
        choices=[(">=", _("at least")), ("<=", _("at most"))],
        help_text=_("Leave empty for an exact value."),
    )
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("target or baseline")
        verbose_name_plural = _("targets and baselines")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "kind", "year"], name="target_unique_year"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="target_value_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.get_kind_display()} {self.year}: {self.value}"


class Programme(BilingualNameMixin, models.Model):
    class Frequency(models.TextChoices):
        QUARTERLY = "quarterly", _("Quarterly")
        MONTHLY = "monthly", _("Monthly")
        ANNUAL = "annual", _("Annual")

    class Level(models.TextChoices):
        """Where a programme's figures belong: a province, or the nation as a whole."""

        PROVINCIAL = "provincial", _("Provincial (reports are filed under a province)")
        NATIONAL = "national", _("National (figures of the whole country, no province)")

    class ApprovalLevels(models.IntegerChoices):
        ONE = 1, _("One: a reviewer approves")
        TWO = 2, _("Two: the provincial chapter approves, then the central union accepts")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    description_vi = models.TextField(_("Vietnamese description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    default_pillar = models.CharField(_("default pillar"), max_length=30, choices=Pillar.choices)
    frequency = models.CharField(
        _("reporting frequency"),
        max_length=10,
        choices=Frequency.choices,
        default=Frequency.QUARTERLY,
    )
    level = models.CharField(
        _("level of its figures"),
        max_length=10,
        choices=Level.choices,
        default=Level.PROVINCIAL,
        help_text=_(
            "National programmes are reported by ministries and national bodies; their reports "
            "have no province and count only in the nation's figures."
        ),
    )
    organisation_kinds = models.JSONField(
        _("kinds of organisation that report it"),
        default=list,
        blank=True,
        help_text=_("Only organisations of these kinds can file reports under the programme."),
    )
    indicators = models.ManyToManyField(
        Indicator,
        blank=True,
        related_name="programmes",
        verbose_name=_("indicators reported"),
    )
    organisations = models.ManyToManyField(
        "portal.Organisation",
        blank=True,
        related_name="programmes",
        verbose_name=_("organisations running it"),
        help_text=_("The organisations expected to report on this programme each period."),
        # The table was created when the link lived on Organisation; the columns are the same.
        db_table="portal_organisation_programmes",
    )
    approval_levels = models.PositiveSmallIntegerField(
        _("approval levels"),
        choices=ApprovalLevels.choices,
        default=ApprovalLevels.ONE,
        help_text=_(
            "With two levels, a report counts in the figures only once the central union has "
            "accepted it. A change applies to reports submitted afterwards."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    # The kind of reporting period (reports.ReportingPeriod.Kind) each frequency reports by.
    PERIOD_KIND = {
        Frequency.QUARTERLY: "quarter",
        Frequency.MONTHLY: "month",
        Frequency.ANNUAL: "year",
    }

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approval_levels__in=[1, 2]), name="programme_approval_levels"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("indicators:programme_detail", kwargs={"code": self.code})

    @property
    def period_kind(self) -> str:
        """The kind of reporting period this programme reports by: "quarter", "month" or "year"."""
        return self.PERIOD_KIND[self.Frequency(self.frequency)]

    @classmethod
    def frequency_of(cls, period_kind: str) -> str:
        """The frequency whose programmes report by periods of this kind."""
        return next(f for f, kind in cls.PERIOD_KIND.items() if kind == period_kind)

    @property
    def description(self) -> str:
        return pick_language(self.description_vi, self.description_en)

    @property
    def is_national(self) -> bool:
        return self.level == self.Level.NATIONAL

    def accepts(self, organisation) -> bool:
        """Whether an organisation of its kind (and level) may report under this programme: a
        national programme takes only national bodies (organisations without a province)."""
        if self.is_national and organisation.province_id is not None:
            return False
        return not self.organisation_kinds or organisation.kind in self.organisation_kinds


class Donor(BilingualNameMixin, models.Model):
    """A donor that funds NAP activities (UN Women, Canada, ...): a list the admins keep.

    Spending lines funded by a donor name one of these; a donor no longer offered is made
    inactive, never deleted, so that the lines that name it keep their meaning."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    position = models.PositiveSmallIntegerField(
        _("position"), default=100, help_text=_("Donors are listed in this order.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active donors are offered on new lines.")
    )

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")

    def __str__(self):
        return self.name


# DHIS2 identifiers (UIDs): 11 characters, letters and digits, the first a letter.
DHIS2_UID_PATTERN = r"^[A-Za-z][A-Za-z0-9]{10}$"
dhis2_uid_validator = RegexValidator(
    DHIS2_UID_PATTERN,
    _("A DHIS2 identifier has 11 letters and digits and starts with a letter, e.g. fbfJHSPpUQD."),
    code="dhis2_uid",
)


def _dhis2_uid_field(verbose_name: "StrOrPromise", **kwargs) -> models.CharField:
    return models.CharField(verbose_name, max_length=11, validators=[dhis2_uid_validator], **kwargs)


class DataElementMapping(models.Model):
    """The DHIS2 data element an indicator's published figures go to. A ratio indicator sends its
    numerator to the data element and its denominator to a second one."""

    indicator = models.OneToOneField(
        Indicator,
        on_delete=models.CASCADE,
        related_name="dhis2_mapping",
        verbose_name=_("indicator"),
    )
    data_element = _dhis2_uid_field(
        _("DHIS2 data element"),
        help_text=_("For a ratio indicator, the data element of the numerator."),
    )
    denominator_data_element = _dhis2_uid_field(
        _("DHIS2 data element of the denominator"),
        blank=True,
        help_text=_("Ratio indicators only."),
    )

    class Meta:
        verbose_name = _("DHIS2 data element mapping")
        verbose_name_plural = _("DHIS2 data element mappings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(data_element__regex=DHIS2_UID_PATTERN),
                name="dhis2_data_element_uid",
            ),
            models.CheckConstraint(
                condition=models.Q(denominator_data_element="")
                | models.Q(denominator_data_element__regex=DHIS2_UID_PATTERN),
                name="dhis2_denominator_uid",
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} → {self.data_element}"


class CategoryOptionComboMapping(models.Model):
    """The DHIS2 category option combo one disaggregation cell of an indicator goes to (its total
    too, usually DHIS2's "default" combo)."""

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="dhis2_combos",
        verbose_name=_("indicator"),
    )
    dimension = models.CharField(
        _("dimension"), max_length=12, choices=disaggregation.DIMENSION_CHOICES
    )
    category = models.CharField(_("category"), max_length=12, blank=True)
    category_option_combo = _dhis2_uid_field(_("DHIS2 category option combo"))

    class Meta:
        verbose_name = _("DHIS2 category option combo mapping")
        verbose_name_plural = _("DHIS2 category option combo mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "dimension", "category"], name="dhis2_combo_one_per_cell"
            ),
            models.CheckConstraint(
                condition=models.Q(category_option_combo__regex=DHIS2_UID_PATTERN),
                name="dhis2_combo_uid",
            ),
        ]

    def __str__(self):
        return (
            f"{self.indicator_id} {self.dimension}:{self.category} → {self.category_option_combo}"
        )

    def clean(self):
        super().clean()
        if self.indicator_id is None:
            return
        if (self.dimension, self.category) not in self.indicator.breakdown():
            raise ValidationError(
                {
                    "category": _("%(indicator)s has no cell “%(cell)s”.")
                    % {"indicator": self.indicator.code, "cell": cell_code(self)}
                }
            )


def cell_code(cell) -> str:
    """A disaggregation cell as the mapping CSV writes it: ``total`` or ``sex:female``."""
    if cell.dimension == disaggregation.TOTAL:
        return disaggregation.TOTAL
    return f"{cell.dimension}:{cell.category}"


class OrgUnitMapping(models.Model):
    """The DHIS2 organisation unit of a province, or of the whole country (no province)."""

    province = models.ForeignKey(
        "portal.Province",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
        help_text=_("Empty: the whole country (national figures)."),
    )
    org_unit = _dhis2_uid_field(_("DHIS2 organisation unit"))

    class Meta:
        verbose_name = _("DHIS2 organisation unit mapping")
        verbose_name_plural = _("DHIS2 organisation unit mappings")
        constraints = [
            # One row per province, and one for the nation (NULL would not collide).
            models.UniqueConstraint(
                Coalesce("province", models.Value(0)), name="dhis2_org_unit_one_per_place"
            ),
            models.CheckConstraint(
                condition=models.Q(org_unit__regex=DHIS2_UID_PATTERN), name="dhis2_org_unit_uid"
            ),
        ]

    def __str__(self):
        return f"{self.province_id or 'VN'} → {self.org_unit}"
