from typing import cast

from django.contrib import admin

from reports.models import ActivityReport, ReportEvent, ReportingPeriod, Spending


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
