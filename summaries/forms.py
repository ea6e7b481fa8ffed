from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator, Pillar, Programme
from portal.models import Province
from reports.models import ReportingPeriod
from summaries.scope import PUBLISHED, WORKING, SummaryFilters


class SummaryFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("Figures"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("Whole year"))] + [(q, _("Quarter %(q)s") % {"q": q}) for q in range(1, 5)],
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Province.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All provinces"),
    )
    pillar = forms.ChoiceField(label=_("Pillar"), required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("code"),
        required=False,
        empty_label=_("All programmes"),
    )
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.filter(is_active=True).order_by("code"),
        required=False,
        to_field_name="code",
        empty_label=_("All indicators"),
    )

    def __init__(
        self,
        *args: Any,
        province_ids: Iterable[int] | None = None,
        years: Iterable[int] = (),
        working: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        views = [(PUBLISHED, _("Published releases"))]
        if working:
            views.insert(0, (WORKING, _("Working figures (not for publication)")))
        cast(forms.ChoiceField, self.fields["view"]).choices = views
        self.default_view = views[0][0]
        self.years = sorted(set(years), reverse=True)
        cast(forms.ChoiceField, self.fields["year"]).choices = [(y, str(y)) for y in self.years]
        pillar = cast(forms.ChoiceField, self.fields["pillar"])
        pillar.choices = [("", _("All pillars")), *Pillar.choices]
        provinces = Province.objects.order_by("code")
        if province_ids is not None:
            provinces = provinces.filter(pk__in=province_ids)
        cast(forms.ModelChoiceField, self.fields["province"]).queryset = provinces

    def filters(self) -> SummaryFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        programme = data.get("programme")
        return SummaryFilters(
            view=data.get("view") or self.default_view,
            year=data.get("year") or (self.years[0] if self.years else None),
            quarter=data.get("quarter"),
            province=data.get("province"),
            pillar=data.get("pillar") or "",
            programme_id=programme.pk if programme else None,
            indicator=data.get("indicator"),
        )


class CompletenessForm(forms.Form):
    # No empty choice: without one the page shows a period it picked, and the field says which.
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), required=False, empty_label=None
    )
    province = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period = cast(forms.ModelChoiceField, self.fields["period"])
        period.queryset = ReportingPeriod.objects.started().order_by("-start_date", "kind")


class PublishForm(forms.Form):
    """An admin publishes a year through a quarter; a revision says what changed and why."""

    year = forms.IntegerField(label=_("Year"), min_value=2024, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Through quarter"),
        coerce=int,
        choices=[(q, _("Quarter %(q)s") % {"q": q}) for q in range(1, 5)],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a revision: what changed and why."),
    )


class NapReportForm(forms.Form):
    """What the annual report page builds: a year that has a release, a language, a format."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())
    language = forms.ChoiceField(
        label=_("Language"), choices=[("vi", "Tiếng Việt"), ("en", "English")]
    )
    file_format = forms.ChoiceField(
        label=_("Format"), choices=[("pdf", "PDF"), ("docx", "DOCX (Word)")]
    )

    def __init__(self, *args: Any, years: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.TypedChoiceField", self.fields["year"]).choices = [
            (year, str(year)) for year in sorted(set(years), reverse=True)
        ]


class NapHighlightForm(forms.Form):
    report = forms.IntegerField(
        label=_("Report number"),
        min_value=1,
        help_text=_("The number of an approved report of the year: the number in its address."),
    )


class Dhis2MappingForm(forms.Form):
    file = forms.FileField(
        label=_("Mapping file (CSV)"),
        help_text=_(
            "Columns: mapping, code, cell, uid. Every row is checked; one bad row changes nothing."
        ),
    )
