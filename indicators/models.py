import contextlib
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
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
