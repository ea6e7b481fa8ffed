"""Working figures: provincial summaries of approved reports, the runs that build them, and the
log of their downloads."""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProvincialSummary(models.Model):
    """Approved figures of one province and period, summed per indicator and disaggregation cell.

    Built only by `summaries.aggregation`; national and yearly figures are roll-ups of these rows.
    """

    province = models.ForeignKey(
        "portal.Province", on_delete=models.CASCADE, related_name="+", verbose_name=_("province")
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
        ]
        indexes = [models.Index(fields=["period", "indicator"], name="summary_period_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.dimension}:{self.category}"


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
