from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator, Pillar, Programme
from portal.models import Province
from reports.models import ReportingPeriod
from summaries.scope import SummaryFilters

NAP_FIRST_YEAR = 2024


class SummaryFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("Whole year"))] + [(q, _("Quarter %(q)s") % {"q": q}) for q in range(1, 5)],
    )
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.none(), required=False, to_field_name="code"
    )
    pillar = forms.ChoiceField(label=_("Pillar"), required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.order_by("code"), required=False
    )
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.filter(is_active=True).order_by("code"),
        required=False,
        to_field_name="code",
    )

    def __init__(
        self, *args: Any, province_ids: Iterable[int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        year = cast(forms.ChoiceField, self.fields["year"])
        year.choices = [("", _("All years"))] + [
            (y, str(y)) for y in range(this_year, NAP_FIRST_YEAR - 1, -1)
        ]
        pillar = cast(forms.ChoiceField, self.fields["pillar"])
        pillar.choices = [("", _("All pillars")), *Pillar.choices]
        provinces = Province.objects.order_by("code")
        if province_ids is not None:
            provinces = provinces.filter(pk__in=province_ids)
        cast(forms.ModelChoiceField, self.fields["province"]).queryset = provinces

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and data.get("quarter") and not data.get("year"):
            self.add_error("quarter", _("Choose a year for the quarter."))
        return data

    def filters(self) -> SummaryFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        programme = data.get("programme")
        return SummaryFilters(
            year=data.get("year"),
            quarter=data.get("quarter"),
            province=data.get("province"),
            pillar=data.get("pillar") or "",
            programme_id=programme.pk if programme else None,
            indicator=data.get("indicator"),
        )


class CompletenessForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), required=False
    )
    province = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period = cast(forms.ModelChoiceField, self.fields["period"])
        period.queryset = ReportingPeriod.objects.started().order_by("-start_date", "kind")
