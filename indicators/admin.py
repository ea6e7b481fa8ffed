from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from indicators import disaggregation
from indicators.models import (
    CategoryOptionComboMapping,
    DataElementMapping,
    Donor,
    Indicator,
    OrgUnitMapping,
    Programme,
    Target,
)
from portal.admin import OrganisationAdmin
from portal.models import Organisation


def _declaration_field(dimension: str) -> forms.MultipleChoiceField:
    label, cells = disaggregation.DIMENSIONS[dimension]
    return forms.MultipleChoiceField(
        label=format_lazy(_("{dimension}: valid categories"), dimension=label),
        choices=cells,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=format_lazy(
            _(
                "Two or more (with “{not_recorded}”): reports break the figure down by them. "
                "One: only people of that category are counted. None: not asked."
            ),
            not_recorded=dict(cells)[disaggregation.NOT_RECORDED[dimension]],
        ),
    )


class IndicatorForm(forms.ModelForm):
    """The indicator with its disaggregation declared as a set of checkboxes per dimension."""

    disaggregation_sex = _declaration_field("sex")
    disaggregation_age = _declaration_field("age")
    disaggregation_disability = _declaration_field("disability")

    class Meta:
        model = Indicator
        # Every other field, including fields added later; the declaration is edited above.
        exclude = ["disaggregation"]  # noqa: DJ006

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        declared = self.instance.disaggregation or {}
        for dimension in disaggregation.DIMENSIONS:
            self.fields[self.field_of(dimension)].initial = declared.get(dimension, [])

    @staticmethod
    def field_of(dimension: str) -> str:
        return f"disaggregation_{dimension}"

    def declaration(self) -> disaggregation.Declaration:
        """The declaration the boxes ticked make (checked in `clean`)."""
        return {
            dimension: list(self.cleaned_data.get(self.field_of(dimension)) or [])
            for dimension in disaggregation.DIMENSIONS
        }

    def clean(self):
        cleaned = super().clean()
        for dimension, chosen in self.declaration().items():
            try:
                disaggregation.normalise({dimension: chosen})
            except ValidationError as error:
                self.add_error(self.field_of(dimension), error)
        if not self.errors:
            self.instance.disaggregation = disaggregation.normalise(self.declaration())
        return cleaned


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "pillar", "unit", "aggregation", "time_rule", "is_active"]
    list_filter = ["pillar", "aggregation", "time_rule", "is_active"]
    search_fields = ["code", "name_vi", "name_en"]
    ordering = ["code"]
    inlines = [TargetInline]
    form = IndicatorForm


class ProgrammeForm(forms.ModelForm):
    organisation_kinds = forms.MultipleChoiceField(
        label=_("kinds of organisation that report it"),
        choices=Organisation.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Programme._meta.get_field("organisation_kinds").help_text,
    )

    class Meta:
        model = Programme
        fields = [
            "code",
            "name_vi",
            "name_en",
            "description_vi",
            "description_en",
            "default_pillar",
            "frequency",
            "level",
            "organisation_kinds",
            "indicators",
            "organisations",
            "is_active",
        ]

    def clean(self):
        data = super().clean() or {}
        national = data.get("level") == Programme.Level.NATIONAL
        regional = [
            organisation.name
            for organisation in data.get("organisations") or []
            if organisation.province_id is not None
        ]
        if national and regional:
            self.add_error(
                "organisations",
                _("A national programme is run by national bodies only, not: %(names)s.")
                % {"names": ", ".join(regional)},
            )
        self._check_one_level_and_frequency(data)
        return data

    def _check_one_level_and_frequency(self, data: dict) -> None:
        """An indicator is reported at one level and by one kind of period, whichever programmes
        carry it: its national figure is either the national bodies' or the provinces' sum, and
        an annual period is the year, never a fifth quarter."""
        level, frequency = data.get("level"), data.get("frequency")
        indicators = data.get("indicators")
        if not (level and frequency and indicators):
            return
        others = (
            Programme.indicators.through.objects.filter(indicator__in=indicators)
            .exclude(programme_id=self.instance.pk)
            .exclude(programme__level=level, programme__frequency=frequency)
            .values_list("indicator__code", "programme__code")
            .order_by("indicator__code", "programme__code")
        )
        clashes = [f"{indicator} ({programme})" for indicator, programme in others]
        if clashes:
            self.add_error(
                "indicators",
                _(
                    "These indicators are reported by a programme of another level or frequency; "
                    "an indicator is reported at one level and by one kind of period: %(clashes)s."
                )
                % {"clashes": ", ".join(dict.fromkeys(clashes))},
            )


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeForm
    list_display = [
        "code",
        "name_vi",
        "default_pillar",
        "frequency",
        "level",
        "approval_levels",
        "is_active",
    ]
    list_filter = ["default_pillar", "frequency", "level", "approval_levels", "is_active"]
    search_fields = ["code", "name_vi", "name_en"]
    filter_horizontal = ["indicators"]
    autocomplete_fields = ["organisations"]
    ordering = ["code"]


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    """The donors a spending line can name. Deactivate a donor rather than delete it: lines that
    name it keep it (deleting one that lines name is refused)."""

    list_display = ["code", "name_vi", "name_en", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_vi", "name_en"]
    ordering = ["position", "code"]


class ProgrammesRunInline(admin.TabularInline):
    """On an organisation's admin page: the programmes it runs (and so reports on)."""

    model = Programme.organisations.through
    extra = 0
    verbose_name = _("programme run")
    verbose_name_plural = _("programmes run")
    autocomplete_fields = ["programme"]


# The organisation admin belongs to `portal`, which knows nothing of programmes: the catalogue
# adds the programmes an organisation runs to it.
admin.site.unregister(Organisation)


@admin.register(Organisation)
class OrganisationWithProgrammesAdmin(OrganisationAdmin):
    inlines = [*OrganisationAdmin.inlines, ProgrammesRunInline]


@admin.register(DataElementMapping)
class DataElementMappingAdmin(admin.ModelAdmin):
    list_display = ["indicator", "data_element", "denominator_data_element"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__code", "data_element", "denominator_data_element"]
    ordering = ["indicator__code"]
    autocomplete_fields = ["indicator"]


@admin.register(CategoryOptionComboMapping)
class CategoryOptionComboMappingAdmin(admin.ModelAdmin):
    list_display = ["indicator", "dimension", "category", "category_option_combo"]
    list_filter = ["dimension"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__code", "category", "category_option_combo"]
    ordering = ["indicator__code", "dimension", "category"]
    autocomplete_fields = ["indicator"]


@admin.register(OrgUnitMapping)
class OrgUnitMappingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "province", "org_unit"]
    list_select_related = ["province"]
    search_fields = ["province__code", "province__name_vi", "org_unit"]
    ordering = ["province__code"]
