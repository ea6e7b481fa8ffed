from django.contrib import admin

from indicators.models import Indicator, Programme, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "pillar", "unit", "aggregation", "is_active"]
    list_filter = ["pillar", "aggregation", "is_active"]
    search_fields = ["code", "name_vi", "name_en"]
    ordering = ["code"]
    inlines = [TargetInline]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "default_pillar", "frequency", "is_active"]
    list_filter = ["default_pillar", "frequency", "is_active"]
    search_fields = ["code", "name_vi", "name_en"]
    filter_horizontal = ["indicators"]
    ordering = ["code"]
