import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import Donor, Indicator, Pillar, Programme
from portal.models import Organisation, Province
from reports.disaggregation import DIMENSION_CHOICES, TOTAL
from reports.periods import parse_code


class ReportingPeriodQuerySet(models.QuerySet["ReportingPeriod"]):
    def started(self, today: datetime.date | None = None) -> "ReportingPeriodQuerySet":
        """Periods whose first day has come (today by default): the ones reports can cover."""
        return self.filter(start_date__lte=today or timezone.localdate())

    def by_code(self, code: str) -> "ReportingPeriod":
        """The period a code names ('2026-Q3', '2026-09', '2026'); ValueError or DoesNotExist if
        none."""
        kind, year, number = parse_code(code)
        return self.get(kind=kind, year=year, number=number)


class ReportingPeriod(models.Model):
    """A quarter, a month or a year that reports cover, with its submission deadline."""

    class Kind(models.TextChoices):
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("quarter or month number"))
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    deadline_date = models.DateField(_("submission deadline"))
    is_locked = models.BooleanField(
        _("locked"), default=False, help_text=_("No report can be submitted for a locked period.")
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("locked by"),
    )

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "number"], name="period_unique"),
            models.CheckConstraint(
                condition=(Q(kind="quarter", number__gte=1, number__lte=4))
                | Q(kind="month", number__gte=1, number__lte=12)
                | Q(kind="year", number=1),
                name="period_number_in_range",
            ),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="period_dates"),
        ]

    def __str__(self):
        return self.label

    @property
    def code(self) -> str:
        if self.kind == self.Kind.YEAR:
            return str(self.year)
        if self.kind == self.Kind.QUARTER:
            return f"{self.year}-Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.YEAR:
            return _("Year %(year)s") % {"year": self.year}
        if self.kind == self.Kind.QUARTER:
            return _("Q%(number)s/%(year)s") % {"number": self.number, "year": self.year}
        return _("%(number)02d/%(year)s") % {"number": self.number, "year": self.year}

    def has_started(self, today: datetime.date | None = None) -> bool:
        return self.start_date <= (today or timezone.localdate())


class ActivityReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        # Two-level programmes: approved at level 1 (the provincial chapter), awaiting the
        # central union's acceptance. Only APPROVED (fully approved) counts in the figures.
        APPROVED_LEVEL_1 = "approved_1", _("Approved at level 1")
        APPROVED = "approved", _("Approved")

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    # The approval level a report in each status waits at.
    REVIEW_LEVEL = {Status.SUBMITTED: 1, Status.APPROVED_LEVEL_1: 2}

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("organisation"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="reports", verbose_name=_("programme")
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="reports", verbose_name=_("period")
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("province"),
        help_text=_("Empty for a national programme's report: its figures are the nation's."),
    )
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    title = models.CharField(_("title"), max_length=200)
    narrative = models.TextField(
        _("what was done"),
        blank=True,
        help_text=_(
            "Describe activities, not people: never write a survivor's name, birth date, phone, "
            "address or case number."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    approval_levels = models.PositiveSmallIntegerField(
        _("approval levels"),
        default=1,
        help_text=_("The levels this report needs: its programme's when it was submitted."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    # Every saved version (title, narrative, status, ...): the report as submitted, as approved.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity report")
        verbose_name_plural = _("activity reports")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "programme", "period"],
                name="report_one_per_org_programme_period",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "submitted", "returned", "approved_1", "approved"]
                ),
                name="report_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(approval_levels__in=[1, 2])
                & (~Q(status="approved_1") | Q(approval_levels=2)),
                name="report_approval_levels_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "status", "-updated_at"], name="report_org_status"
            ),
            models.Index(fields=["status", "submitted_at"], name="report_queue"),
            models.Index(
                fields=["province", "status", "submitted_at"], name="report_province_queue"
            ),
            models.Index(fields=["-updated_at", "-id"], name="report_recent"),
            models.Index(fields=["status", "-updated_at", "-id"], name="report_status_recent"),
            models.Index(fields=["province", "period", "status"], name="report_aggregation"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reports:detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def review_level(self) -> int | None:
        """The approval level the report waits at (1 or 2), or None when nobody can decide it."""
        return self.REVIEW_LEVEL.get(self.Status(self.status))

    @property
    def approval_level_reached(self) -> int:
        """How many approval levels the report has passed (its `approval_levels` when fully
        approved)."""
        if self.status == self.Status.APPROVED:
            return self.approval_levels
        return 1 if self.status == self.Status.APPROVED_LEVEL_1 else 0

    @property
    def is_late(self) -> bool:
        if self.submitted_at is None:
            return timezone.localdate() > self.period.deadline_date
        return timezone.localdate(self.submitted_at) > self.period.deadline_date


class ReportPillar(models.Model):
    """A NAP pillar a report is tagged with (the programme's default plus optional others)."""

    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="pillar_tags")
    pillar = models.CharField(_("pillar"), max_length=30, choices=Pillar.choices)

    class Meta:
        verbose_name = _("report pillar")
        verbose_name_plural = _("report pillars")
        constraints = [
            models.UniqueConstraint(fields=["report", "pillar"], name="report_pillar_unique"),
        ]
        indexes = [models.Index(fields=["pillar", "report"], name="report_pillar_lookup")]

    def __str__(self):
        return self.get_pillar_display()


class Figure(models.Model):
    """One cell of an indicator's figures in a report: the total, or one disaggregation cell.

    Counts carry `value`; ratio indicators carry `numerator` and `denominator` on the total row.
    `not_applicable` on the total row says the indicator does not apply to this report.
    """

    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="figures")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="figures")
    dimension = models.CharField(
        _("dimension"), max_length=12, choices=DIMENSION_CHOICES, default=TOTAL
    )
    category = models.CharField(_("category"), max_length=12, blank=True)
    value = models.PositiveBigIntegerField(_("value"), null=True, blank=True)
    numerator = models.PositiveBigIntegerField(_("numerator"), null=True, blank=True)
    denominator = models.PositiveBigIntegerField(_("denominator"), null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)

    # Every version of every cell, so that an admin can see a report as submitted and as approved.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator", "dimension", "category"], name="figure_unique_cell"
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True)
                | Q(denominator__isnull=True)
                | Q(numerator__lte=F("denominator")),
                name="figure_numerator_within_denominator",
            ),
            models.CheckConstraint(
                condition=Q(dimension="total", category="")
                | (~Q(dimension="total") & ~Q(category="")),
                name="figure_category_matches_dimension",
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.dimension} {self.category}"


class FundingSource(models.TextChoices):
    """Who paid for a spending line: the state budget by level, the Women's Union, or a donor."""

    STATE_CENTRAL = "state_central", _("State budget: central")
    STATE_PROVINCIAL = "state_provincial", _("State budget: provincial")
    STATE_COMMUNE = "state_commune", _("State budget: commune")
    VWU_OWN = "vwu_own", _("Women's Union own funds")
    DONOR = "donor", _("Donor")


# The most one line may say, in đồng: 100 billion (100.000.000.000). More is almost certainly a
# mistyped amount (extra zeros); a larger real spending is entered as several lines.
MAX_SPENDING_VND = 100_000_000_000


class Spending(models.Model):
    """What a report's activities cost, one line per funding source (and donor) and pillar,
    in whole đồng. Lines are entered with the report and change only while it is editable."""

    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="spending")
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices)
    donor = models.ForeignKey(
        Donor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spending",
        verbose_name=_("donor"),
    )
    pillar = models.CharField(_("pillar"), max_length=30, choices=Pillar.choices)

    # Every version of every line, read with the figures when an admin looks at a version.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("spending line")
        verbose_name_plural = _("spending lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, amount__lte=MAX_SPENDING_VND),
                name="spending_amount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(source="donor", donor__isnull=False)
                | (~Q(source="donor") & Q(donor__isnull=True)),
                name="spending_donor_iff_donor_source",
            ),
            models.CheckConstraint(
                condition=Q(source__in=FundingSource.values), name="spending_source_valid"
            ),
        ]
        indexes = [models.Index(fields=["report", "pillar"], name="spending_report")]

    def __str__(self):
        return f"{self.report_id} {self.source} {self.amount}"

    @property
    def source_label(self) -> str:
        """The source as a reader sees it: the donor's name for a donor's line."""
        if self.source == FundingSource.DONOR and self.donor is not None:
            return self.donor.name
        return str(self.get_source_display())


class ReportEvent(models.Model):
    """A transition or comment in a report's life. The history of a report is read from here."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn to draft")
        RETURNED = "returned", _("Returned for correction")
        APPROVED_LEVEL_1 = "approved_1", _("Approved at level 1")
        ACCEPTED = "accepted", _("Accepted at level 2")
        APPROVED = "approved", _("Approved")
        REOPENED = "reopened", _("Reopened")

    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    from_status = models.CharField(
        _("from"), max_length=10, choices=ActivityReport.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=ActivityReport.Status.choices)
    text = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        indexes = [models.Index(fields=["report", "created_at"], name="event_report_time")]

    # The events at which a report's version can be looked at (admins, "See this version").
    VERSION_KINDS = (
        Kind.SUBMITTED,
        Kind.APPROVED_LEVEL_1,
        Kind.ACCEPTED,
        Kind.APPROVED,
        Kind.RETURNED,
        Kind.REOPENED,
    )

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def marks_a_version(self) -> bool:
        return self.kind in self.VERSION_KINDS

    @classmethod
    def record(
        cls, report: ActivityReport, *, actor, kind: str, from_status: str, text: str = ""
    ) -> "ReportEvent":
        return cls.objects.create(
            report=report,
            actor=actor,
            kind=kind,
            from_status=from_status,
            to_status=report.status,
            text=text,
        )


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name: the original name may say something about a person.
    return f"reports/{instance.report_id}/{instance.token}{instance.extension}"


class Attachment(models.Model):
    """Evidence for a report: a PDF, an image or an office document, checked by content."""

    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(max_length=8, editable=False)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name


class Notification(models.Model):
    """An in-portal notice: something happened to a report the recipient cares about, or a
    deadline reminder to an organisation's reporters (`reports.reminders`).

    A report notice keeps what the report was when the notice was made (title, organisation,
    programme, period, what happened): the page and the e-mail show that, never the report as it
    is now, and only while the recipient may still see the report (`reports.selectors`). A
    reminder has no event: it names the organisation, programme and period that owe a report,
    and the database lets it exist once per recipient and moment.
    """

    class Kind(models.TextChoices):
        EVENT = "event", _("Report event")
        REMINDER_BEFORE = "due_soon", _("Deadline approaching")
        REMINDER_DUE = "due_today", _("Deadline today")
        REMINDER_OVERDUE = "overdue", _("Report overdue")

    REMINDER_KINDS = (Kind.REMINDER_BEFORE, Kind.REMINDER_DUE, Kind.REMINDER_OVERDUE)

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EVENT)
    event = models.ForeignKey(
        ReportEvent, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    event_kind = models.CharField(
        _("event"), max_length=12, choices=ReportEvent.Kind.choices, blank=True
    )
    report_title = models.CharField(_("report title"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    organisation_name = models.CharField(_("organisation"), max_length=200)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("period")
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the e-mail went out, or was settled without one because the recipient could no
    # longer see the report by then (or, for a reminder, switched reminder e-mails off).
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Whether the recipient may still see the report: set for the page that shows the notice
    # (`reports.selectors.mark_visible_reports`), never stored.
    report_visible: bool = False

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="notification_once"),
            # Each reminder once, whatever the retries and restarts of the daily job.
            models.UniqueConstraint(
                fields=["recipient", "organisation", "programme", "period", "kind"],
                condition=Q(event__isnull=True),
                name="reminder_once",
            ),
            models.CheckConstraint(
                condition=(Q(kind="event") & Q(event__isnull=False))
                | (
                    Q(kind__in=["due_soon", "due_today", "overdue"])
                    & Q(event__isnull=True)
                    & Q(organisation__isnull=False)
                ),
                name="notification_kind_fits",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
            # The notifications page: all of a reader's notices, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            # The reminder e-mails still to send.
            models.Index(
                fields=["created_at"],
                condition=Q(event__isnull=True, emailed_at__isnull=True),
                name="reminder_unsent",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} {self.event or self.get_kind_display()}"

    @property
    def is_reminder(self) -> bool:
        return self.event_id is None

    @classmethod
    def about(cls, event: ReportEvent, *, recipient_id: int) -> "Notification":
        """An unsaved notice of `event`, with what its report is at this moment."""
        report = event.report
        return cls(
            recipient_id=recipient_id,
            kind=cls.Kind.EVENT,
            event=event,
            event_kind=event.kind,
            report_title=report.title,
            organisation_id=report.organisation_id,
            organisation_name=report.organisation.name,
            programme_id=report.programme_id,
            period_id=report.period_id,
        )


class ReviewDigest(models.Model):
    """A reviewer's weekly digest of their review queue, recorded once per recipient and week
    (the Monday that starts it) so that retries and restarts never send it twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    week_date = models.DateField(_("week starting"))
    report_count = models.PositiveIntegerField(_("reports waiting"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("review digest")
        verbose_name_plural = _("review digests")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "week_date"], name="review_digest_once"),
        ]

    def __str__(self):
        return f"{self.recipient} {self.week_date}"


class StaleSummary(models.Model):
    """A (province, period) whose approved figures changed since they were last summarised; an
    empty province marks the national reports of the period (those of national programmes).

    Written in the same transaction as the approval or reopening that changed them, and kept in
    the database, not the broker, so that an approval made while Redis is down is still picked up
    by the summaries' reconciler, which removes the mark when it has recomputed the cells."""

    province = models.ForeignKey(
        "portal.Province", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "indicators_stalesummary"  # created by the catalogue app; kept as it was
        verbose_name = _("stale summary")
        verbose_name_plural = _("stale summaries")
        constraints = [
            models.UniqueConstraint(fields=["province", "period"], name="stale_unique"),
            models.UniqueConstraint(
                fields=["period"], condition=Q(province=None), name="stale_unique_national"
            ),
        ]

    def __str__(self):
        return f"{self.province_id}/{self.period_id}"


def report_import_path(instance: "ReportImport", filename: str) -> str:
    # A random name: the uploaded name may say something about a person or a place.
    return f"imports/{instance.token}.xlsx"


class ReportImport(models.Model):
    """One spreadsheet of reports on its way in: uploaded, checked by a dry run (what would be
    created or changed, every error with its sheet, row and column), then imported all or
    nothing once the uploader confirms. The checks and the import run as Celery tasks whose
    progress the import's page shows (`reports.imports`)."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to=report_import_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    language = models.CharField(_("language"), max_length=8)
    submit = models.BooleanField(
        _("submit the reports"),
        default=False,
        help_text=_("Import the reports as submitted, not as drafts."),
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # The dry run's plan: one entry per row read ({"row", "organisation", "period", "action",
    # "changes", "report"}), and every error ({"sheet", "row", "column", "message"}), in the
    # uploader's language.
    plan = models.JSONField(_("plan"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_count = models.PositiveIntegerField(_("reports created"), default=0)
    updated_count = models.PositiveIntegerField(_("reports changed"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report import")
        verbose_name_plural = _("report imports")
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="report_import_mine")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="report_import_progress_percent"
            )
        ]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("reports:import_detail", kwargs={"pk": self.pk})

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def can_confirm(self) -> bool:
        return self.status == self.Status.CHECKED and not self.errors and bool(self.plan_changes)

    @property
    def plan_changes(self) -> list[dict]:
        """The rows that would create or change a report."""
        return [row for row in self.plan if row.get("action") in ("create", "update")]


class SyncReceipt(models.Model):
    """A change sent from a device's offline queue, received once: the device names each change
    with a key of its own (a UUID), and sending the same key again (the answer was lost on a weak
    connection, or Background Sync retried) returns what the first sending did instead of doing
    it twice. Written in the same transaction as the change itself, so a change that failed
    leaves no receipt and can be sent again."""

    key = models.UUIDField(_("key"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="+")
    submitted = models.BooleanField(_("submitted"), default=False)
    version = models.PositiveIntegerField(_("version after the change"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("offline change received")
        verbose_name_plural = _("offline changes received")

    def __str__(self):
        return str(self.key)
