"""Working figures: provincial summaries of approved reports, the runs that build them, and the
log of their downloads."""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProvincialSummary(models.Model):
    """Approved figures of one province and period, summed per indicator and disaggregation cell.

    Rows without a province hold the figures national bodies reported through national
    programmes (reports without a province): they count in the nation's figures only.
    Built only by `summaries.aggregation`; national and yearly figures are roll-ups of these rows.
    """

    province = models.ForeignKey(
        "portal.Province",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    period = models.ForeignKey(
        "reports.ReportingPeriod",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("period"),
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        on_delete=models.CASCADE,
        related_name="summaries",
        verbose_name=_("indicator"),
    )
    dimension = models.CharField(_("dimension"), max_length=12)
    category = models.CharField(_("category"), max_length=12, blank=True)
    value = models.BigIntegerField(_("value"), null=True)
    numerator = models.BigIntegerField(_("numerator"), null=True)
    denominator = models.BigIntegerField(_("denominator"), null=True)
    report_count = models.PositiveIntegerField(_("reports"))
    organisation_count = models.PositiveIntegerField(_("organisations"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        db_table = "indicators_provincialsummary"  # created by the catalogue app; kept as it was
        verbose_name = _("provincial summary")
        verbose_name_plural = _("provincial summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "period", "indicator", "dimension", "category"],
                name="summary_unique_cell",
            ),
            models.UniqueConstraint(
                fields=["period", "indicator", "dimension", "category"],
                condition=models.Q(province=None),
                name="summary_unique_national_cell",
            ),
        ]
        indexes = [models.Index(fields=["period", "indicator"], name="summary_period_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.dimension}:{self.category}"


class SummaryVersion(models.Model):
    """One row: a token that changes with everything the working figures are built from
    (summary rows, periods, indicators, programmes, organisations), so that a cube cached under
    the token is never served once its inputs changed (`summaries.versions`).

    Kept in the database, not in the cache: the change and the new token commit together, in
    every process, and a cache that loses keys cannot bring an old token back."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("summary version")
        verbose_name_plural = _("summary versions")

    def __str__(self) -> str:
        return self.token


class AggregationRun(models.Model):
    """One run of the aggregation, as admins see it: queued, running, done or failed."""

    class Kind(models.TextChoices):
        CELLS = "cells", _("Recompute after approval")
        RECONCILE = "reconcile", _("Reconcile stale summaries")
        FULL = "full", _("Full rebuild")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    province = models.ForeignKey(
        "portal.Province", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    period = models.ForeignKey(
        "reports.ReportingPeriod",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        "portal.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cells = models.PositiveIntegerField(_("province-periods"), default=0)
    rows = models.PositiveIntegerField(_("summary rows"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        db_table = "indicators_aggregationrun"
        verbose_name = _("aggregation run")
        verbose_name_plural = _("aggregation runs")
        indexes = [models.Index(fields=["-created_at"], name="aggregation_run_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class SummaryDownload(models.Model):
    """Who downloaded which summaries, when, in which format."""

    user = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    file_format = models.CharField(max_length=4)
    filters = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "indicators_summarydownload"
        verbose_name = _("summary download")
        verbose_name_plural = _("summary downloads")

    def __str__(self) -> str:
        return f"{self.user} {self.file_format} {self.created_at:%Y-%m-%d %H:%M}"


class ReleaseQuerySet(models.QuerySet["Release"]):
    def newest(self) -> "Release | None":
        """The release readers see among these: the last quarter, its last revision."""
        return self.order_by("-quarter", "-revision").first()


class Release(models.Model):
    """Published figures of a year as of its last locked quarter, frozen when an admin publishes.

    Every cell's suppression was decided once, over this release and every earlier one of the same
    year, and the disclosure audit passed before it was stored. A correction after publication
    reaches readers as a revision: a new release of the same year and quarter, with a note.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("through quarter"), help_text=_("The last quarter of the year this release covers.")
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    note = models.TextField(_("note"), blank=True)
    min_cell = models.PositiveSmallIntegerField(_("minimum cell"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        "portal.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    cells = models.PositiveIntegerField(_("cells"), default=0)
    hidden_cells = models.PositiveIntegerField(_("hidden cells"), default=0)
    audit_seconds = models.FloatField(_("audit time (s)"), default=0)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter", "revision"], name="release_unique_revision"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="release_quarter"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.quarter == 4:
            text = _("Year %(year)s") % {"year": self.year}
        elif self.quarter == 1:
            text = _("Q1/%(year)s") % {"year": self.year}
        else:
            text = _("Q1–Q%(quarter)s/%(year)s") % {"quarter": self.quarter, "year": self.year}
        if self.revision:
            text = _("%(release)s, revision %(revision)s") % {
                "release": text,
                "revision": self.revision,
            }
        return str(text)


class ReleaseCell(models.Model):
    """One published cell: an indicator's value for a place (a province, or the nation when
    `province` is empty), a period (a quarter or month code, or the year) and a disaggregation
    cell, with whether each part is hidden and how much of the expected reporting it covers."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="cells_set")
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.PROTECT, related_name="+"
    )
    province = models.ForeignKey(
        "portal.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_code = models.CharField(_("period"), max_length=7)
    dimension = models.CharField(_("dimension"), max_length=12)
    category = models.CharField(_("category"), max_length=12, blank=True)
    value = models.BigIntegerField(null=True)
    numerator = models.BigIntegerField(null=True)
    denominator = models.BigIntegerField(null=True)
    value_hidden = models.BooleanField(default=False)
    numerator_hidden = models.BooleanField(default=False)
    denominator_hidden = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    organisation_count = models.PositiveIntegerField(default=0)
    organisations_expected = models.PositiveIntegerField(default=0)
    provinces_reporting = models.PositiveSmallIntegerField(default=0)
    # National bodies whose national reports (no province) are in a national cell.
    bodies_reporting = models.PositiveSmallIntegerField(default=0)
    periods_in = models.PositiveSmallIntegerField(default=0)
    periods_expected = models.PositiveSmallIntegerField(default=0)
    provisional = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("release cell")
        verbose_name_plural = _("release cells")
        indexes = [
            models.Index(fields=["release", "indicator", "period_code"], name="release_cell_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.release_id} {self.indicator_id} {self.period_code} {self.dimension}"


class ReleaseSpending(models.Model):
    """Published spending: the approved spending of a province (or of national reports), period,
    pillar and funding source (and donor), frozen with its release. Amounts are not small-count
    sensitive, so nothing here is hidden; readers outside the working figures see spending only
    from here."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="spending_set")
    # None: spent under a national programme's reports, which have no province.
    province = models.ForeignKey(
        "portal.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_code = models.CharField(_("period"), max_length=7)
    pillar = models.CharField(_("pillar"), max_length=30)
    source = models.CharField(_("funding source"), max_length=20)
    donor = models.ForeignKey(
        "indicators.Donor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.BigIntegerField(_("amount (VND)"))
    report_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("published spending")
        verbose_name_plural = _("published spending")
        indexes = [models.Index(fields=["release", "period_code"], name="release_spending_lookup")]

    def __str__(self) -> str:
        return f"{self.release_id} {self.province_id} {self.period_code} {self.source}"


class FileBuild(models.Model):
    """A file built by a Celery task for the one who asked: how far it got, and the file once
    done (kept in media). The annual report and large release files are built this way."""

    class Language(models.TextChoices):
        VI = "vi", "Tiếng Việt"
        EN = "en", "English"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    requested_by = models.ForeignKey(
        "portal.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def download_name(self) -> str:
        raise NotImplementedError  # each kind of build names its file


def nap_report_path(build: "NapReportBuild", filename: str) -> str:
    return f"nap-reports/{build.year}/{filename}"


class NapReportBuild(FileBuild):
    """One build of the annual NAP progress report, as admins follow it on the report page: what
    was asked (year, language, format), how far it got, and the file once done (kept in media,
    served only to admins)."""

    class Format(models.TextChoices):
        DOCX = "docx", "DOCX (Word)"
        PDF = "pdf", "PDF"

    year = models.PositiveSmallIntegerField(_("year"))
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    release = models.ForeignKey(
        Release,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("release read"),
    )
    file = models.FileField(_("file"), upload_to=nap_report_path, blank=True)

    class Meta:
        verbose_name = _("NAP report build")
        verbose_name_plural = _("NAP report builds")
        indexes = [models.Index(fields=["-created_at"], name="nap_report_build_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="nap_report_progress_percent"
            )
        ]

    def __str__(self) -> str:
        return f"NAP {self.year} {self.language} {self.file_format} {self.status}"

    @property
    def download_name(self) -> str:
        return f"napwps-report-{self.year}-{self.language}.{self.file_format}"


def release_file_path(build: "ReleaseFileBuild", filename: str) -> str:
    return f"release-files/{build.requested_by_id}/{filename}"


class ReleaseFileQuerySet(models.QuerySet["ReleaseFileBuild"]):
    def kept(self) -> "ReleaseFileQuerySet":
        """Builds not yet expired (the beat task removes the others)."""
        return self.filter(expires_at__gt=timezone.now())

    def current(self) -> "ReleaseFileQuerySet":
        """Builds whose file is, or will be, there to download: kept and not failed."""
        return self.kept().exclude(status=FileBuild.Status.FAILED)


class ReleaseFileBuild(FileBuild):
    """A release file too large to stream (more cells than the format's threshold), built by a
    Celery task for the reader who asked, in their language and their scope of provinces, and
    kept until `expires_at` (a day after it is done); only they may download it."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="+", verbose_name=_("release")
    )
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # The provinces of the file, as a key ("all", or their ids joined by commas): the same
    # request again finds the build already made.
    scope = models.CharField(_("provinces"), max_length=400)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to=release_file_path, blank=True, max_length=200)
    expires_at = models.DateTimeField(_("kept until"))
    downloaded_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)

    objects = ReleaseFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("release file build")
        verbose_name_plural = _("release file builds")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="release_file_mine"),
            models.Index(fields=["expires_at"], name="release_file_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="release_file_progress_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release_id} {self.file_format} {self.language} {self.status}"

    @property
    def download_name(self) -> str:
        release = self.release
        name = f"napwps-release-{release.year}-q{release.quarter}-r{release.revision}"
        return f"{name}-{self.language}.{self.file_format}"

    @property
    def provinces(self) -> set[int] | None:
        return None if self.scope == "all" else {int(pk) for pk in self.scope.split(",") if pk}


class NapReportHighlight(models.Model):
    """An approved activity report an admin picked as a narrative highlight of a year's report."""

    year = models.PositiveSmallIntegerField(_("year"))
    report = models.ForeignKey(
        "reports.ActivityReport",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("activity report"),
    )
    chosen_by = models.ForeignKey(
        "portal.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("chosen by")
    )
    chosen_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    class Meta:
        verbose_name = _("NAP report highlight")
        verbose_name_plural = _("NAP report highlights")
        constraints = [
            models.UniqueConstraint(fields=["year", "report"], name="nap_highlight_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.report_id}"


class Dhis2Push(models.Model):
    """One push of a release to the configured DHIS2 server: a dry run, then (if the dry run
    was clean) the import, with DHIS2's import summary of each."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="dhis2_pushes", verbose_name=_("release")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        "portal.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    values = models.PositiveIntegerField(_("data values"), default=0)
    dry_run_summary = models.JSONField(_("dry run summary"), default=dict, blank=True)
    import_summary = models.JSONField(_("import summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("DHIS2 push")
        verbose_name_plural = _("DHIS2 pushes")
        indexes = [models.Index(fields=["release", "-created_at"], name="dhis2_push_recent")]

    def __str__(self) -> str:
        return f"DHIS2 {self.release_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def summaries(self) -> tuple[dict, dict]:
        """DHIS2's summaries of the dry run and of the import (empty when not reached)."""
        return (self.dry_run_summary, self.import_summary)
