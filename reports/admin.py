from typing import cast

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from indicators.admin import IndicatorAdmin, IndicatorForm
from indicators.disaggregation import category_label
from indicators.models import Indicator
from reports.models import ActivityReport, ReportEvent, ReportingPeriod, Spending
from reports.services import figures_in_dropped_cells, indicator_figures_conform


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "start_date", "end_date", "deadline_date", "is_locked"]
    list_filter = ["kind", "year", "is_locked"]
    ordering = ["-start_date", "kind"]
    fields = ["kind", "year", "number", "start_date", "end_date", "deadline_date"]
    readonly_fields = ["kind", "year", "number", "start_date", "end_date"]

    def has_add_permission(self, request):
        return False  # the data migration creates every period of the NAP (2024-2030)


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "text"]
    readonly_fields = cast(list[str], fields)  # the same list: every shown field is read-only
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SpendingInline(admin.TabularInline):
    model = Spending
    extra = 0
    fields = ["pillar", "source", "donor", "amount"]
    readonly_fields = cast(list[str], fields)  # lines change only through the report form
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActivityReport)
class ActivityReportAdmin(admin.ModelAdmin):
    """Read-only: reports change only through the workflow, so that every change has an event."""

    list_display = ["title", "organisation", "programme", "period", "status", "updated_at"]
    list_filter = ["status", "programme", "period__year"]
    list_select_related = ["organisation", "programme", "period"]
    search_fields = ["title", "organisation__name"]
    ordering = ["-updated_at"]
    inlines = [SpendingInline, ReportEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The indicator admin belongs to `indicators`, which knows nothing of reports: this layer adds the
# rule that a declaration never drops a cell holding figures, and brings existing figures in line
# (a new breakdown starts as "not recorded") when one is saved.
class IndicatorWithFiguresForm(IndicatorForm):
    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.pk is None:
            return cleaned
        dropped = figures_in_dropped_cells(
            indicator=self.instance, declaration=self.instance.disaggregation
        )
        for (dimension, category), count in sorted(dropped.items()):
            self.add_error(
                self.field_of(dimension),
                ValidationError(
                    _(
                        "“%(category)s” holds figures in %(count)s reports: it cannot be "
                        "dropped while they exist."
                    )
                    % {
                        "category": category_label(dimension, category),
                        "count": number_format(count, force_grouping=True),
                    },
                    code="figures_exist",
                ),
            )
        return cleaned


admin.site.unregister(Indicator)


@admin.register(Indicator)
class IndicatorWithFiguresAdmin(IndicatorAdmin):
    form = IndicatorWithFiguresForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            indicator_figures_conform(actor=request.user, indicator_id=obj.pk)
