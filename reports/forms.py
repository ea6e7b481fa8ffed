"""Validation only: the services decide what is allowed."""

import re
from typing import cast

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import Donor, Indicator, Pillar, Programme
from portal.models import Organisation, Province, User
from reports import spending
from reports.figures import FigureInput, dimension_layout, field_name
from reports.models import ActivityReport, FundingSource, ReportingPeriod
from reports.selectors import overdue_periods, periods_in_use
from reports.services import ReportContent
from reports.spending import SpendingInput

# 1234, 1.234, 1 234 (also with a no-break space) and 1,234: digit groups of three. Only the
# digits 0-9: "²", "⑴" or "٣" are digits to str.isdigit but not numbers anyone means in a figure.
PLAIN = re.compile(r"[0-9]+", re.ASCII)
GROUPED = re.compile(r"^[0-9]{1,3}(?:([.,\s\u00a0\u202f])[0-9]{3})(?:\1[0-9]{3})*$", re.ASCII)


def parse_whole_number(text: str) -> int:
    text = text.strip()
    if PLAIN.fullmatch(text):
        return int(text)
    if GROUPED.match(text):
        return int(re.sub(r"[^0-9]", "", text))
    if text.startswith("-") and parse_whole_number(text[1:]) >= 0:
        raise forms.ValidationError(_("A figure cannot be negative."), code="negative")
    odd = next((c for c in text if c.isnumeric() and not "0" <= c <= "9"), None)
    if odd is not None:
        raise forms.ValidationError(
            _("Type the digits 0 to 9 only: “%(character)s” is not one of them."),
            code="invalid_digit",
            params={"character": odd},
        )
    raise forms.ValidationError(
        _("Enter a whole number, like 1234 or 1.234."), code="invalid_number"
    )


class WholeNumberField(forms.Field):
    """A whole, non-negative number typed the Vietnamese way (1.234 or 1 234) or plainly."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    MAX_LENGTH = 20

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = str(value).strip() if value is not None else ""
        if value in self.empty_values:
            return None
        if len(value) > self.MAX_LENGTH:
            raise forms.ValidationError(_("Enter a whole number, like 1234 or 1.234."))
        return parse_whole_number(value)

    def prepare_value(self, value):
        return "" if value is None else value


DONOR_PREFIX = "donor:"  # a donor's line: the source select's value is "donor:<donor id>"


def source_choices(donors: list[Donor]) -> list:
    """One select for who paid: the state budget by level, the Union's own funds, then the
    donors in a group of their own."""
    plain = [(value, label) for value, label in FundingSource.choices if value != "donor"]
    named = [(f"{DONOR_PREFIX}{donor.pk}", donor.name) for donor in donors]
    return [("", _("Choose who paid")), *plain, (_("Donors"), named)]


def source_value(source: str, donor_id: int | None) -> str:
    return f"{DONOR_PREFIX}{donor_id}" if source == FundingSource.DONOR else source


class SpendingLineForm(forms.Form):
    """One spending line: the amount in đồng, who paid, for which pillar."""

    amount = WholeNumberField(
        label=_("Amount (đồng)"),
        required=True,
        error_messages={"required": _("Enter the amount in đồng.")},
    )
    source = forms.ChoiceField(
        label=_("Funding source"),
        error_messages={"required": _("Choose who paid from the list.")},
    )
    pillar = forms.ChoiceField(
        label=_("Pillar"),
        choices=[("", _("Choose a pillar")), *Pillar.choices],
        error_messages={"required": _("Choose a pillar from the list.")},
    )

    def __init__(self, *args, sources: list, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["source"]).choices = sources
        self.fields["DELETE"] = forms.BooleanField(label=_("Remove"), required=False)

    def line(self, row: int) -> SpendingInput:
        """What could be read of the line (parts that could not be read are empty)."""
        data = self.cleaned_data
        source = data.get("source") or ""
        donor_id = None
        if source.startswith(DONOR_PREFIX):
            source, donor_id = FundingSource.DONOR, int(source.removeprefix(DONOR_PREFIX))
        return SpendingInput(
            amount=data.get("amount"),
            source=source,
            pillar=data.get("pillar") or "",
            donor_id=donor_id,
            row=row,
        )


SpendingFormSet = forms.formset_factory(
    SpendingLineForm, extra=2, max_num=spending.MAX_LINES, absolute_max=spending.MAX_LINES
)


class ReportCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        empty_label=_("Choose a programme"),
    )
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), empty_label=_("Choose a period")
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Province.objects.order_by("code"),
        required=False,
        empty_label=_("The organisation's province"),
        help_text=_("Only for national organisations: where the activities took place."),
    )

    def __init__(self, *args, organisations, programmes, periods, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations
        cast(forms.ModelChoiceField, self.fields["programme"]).queryset = programmes
        cast(forms.ModelChoiceField, self.fields["period"]).queryset = periods
        if all(organisation.province_id for organisation in organisations) or all(
            programme.is_national for programme in programmes
        ):
            # Provincial organisations file under their own province, national programmes under
            # none: nothing to choose.
            del self.fields["province"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        organisation, programme = data.get("organisation"), data.get("programme")
        if organisation and programme and not programme.organisations.filter(pk=organisation.pk):
            self.add_error(
                "programme",
                _("%(organisation)s does not run this programme.")
                % {"organisation": organisation.name},
            )
        return data


class ReportForm(forms.Form):
    """The report's text, location, pillars and figures, built from the programme's indicators."""

    title = forms.CharField(label=_("Title"), max_length=200)
    narrative = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=ActivityReport._meta.get_field("narrative").help_text,
    )
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.order_by("code")
    )
    commune = forms.CharField(label=_("Commune (optional)"), max_length=120, required=False)
    pillars = forms.MultipleChoiceField(
        label=_("Other NAP pillars this work serves"),
        choices=Pillar.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        report: ActivityReport,
        indicators: list[Indicator],
        spending_initial: list[dict] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.report = report
        self.indicators = indicators
        # Spending lines come as a formset; a post without them (a client that does not send
        # them) leaves the saved lines alone.
        data = kwargs.get("data") if "data" in kwargs else (args[0] if args else None)
        self.spending_sent = data is not None and f"{spending.PREFIX}-TOTAL_FORMS" in data
        donors = list(
            Donor.objects.filter(
                Q(is_active=True) | Q(pk__in=report.spending.values("donor_id"))
            ).order_by("position", "code")
        )
        self.spending = SpendingFormSet(
            data if self.spending_sent else None,
            prefix=spending.PREFIX,
            initial=spending_initial or [],
            form_kwargs={"sources": source_choices(donors)},
        )
        if report.programme.is_national:
            # A national programme's figures are the nation's: no place to choose.
            del self.fields["province"]
            del self.fields["commune"]
        elif report.organisation.province_id is not None:
            # Shown, not taken: a provincial organisation's reports stay in its province.
            province = self.fields["province"]
            province.disabled = True
            province.required = False
            province.help_text = _(
                "Reports of a provincial organisation are filed under its province."
            )
        default = report.programme.default_pillar
        pillars = cast(forms.MultipleChoiceField, self.fields["pillars"])
        pillars.choices = [c for c in Pillar.choices if c[0] != default]
        for indicator in indicators:
            self.fields[field_name(indicator, "na")] = forms.BooleanField(
                label=_("Not applicable"), required=False
            )
            if indicator.is_ratio:
                self.fields[field_name(indicator, "num")] = WholeNumberField(label=_("Numerator"))
                self.fields[field_name(indicator, "den")] = WholeNumberField(label=_("Denominator"))
                for dimension, _label, cells in dimension_layout(indicator):
                    for category, category_label in cells:
                        for part, label in (
                            ("num", _("%(category)s: numerator")),
                            ("den", _("%(category)s: denominator")),
                        ):
                            self.fields[field_name(indicator, dimension, category, part)] = (
                                WholeNumberField(label=label % {"category": category_label})
                            )
                continue
            self.fields[field_name(indicator, "total")] = WholeNumberField(label=_("Total"))
            for dimension, _label, cells in dimension_layout(indicator):
                for category, category_label in cells:
                    self.fields[field_name(indicator, dimension, category)] = WholeNumberField(
                        label=category_label
                    )

    def is_valid(self) -> bool:
        """The report's fields and its spending lines, both checked, so every error shows."""
        valid = super().is_valid()
        spending_valid = self.spending.is_valid() if self.spending_sent else True
        return valid and spending_valid

    @staticmethod
    def spending_initial_for(lines) -> list[dict]:
        return [
            {
                "amount": line.amount,
                "source": source_value(line.source, line.donor_id),
                "pillar": line.pillar,
            }
            for line in lines
        ]

    def spending_lines(self) -> list[SpendingInput] | None:
        """The lines as typed, blank and removed ones left out; None when none were sent."""
        if not self.spending_sent:
            return None
        lines = []
        for row, line_form in enumerate(self.spending.forms):
            if not hasattr(line_form, "cleaned_data") or not line_form.has_changed():
                continue
            if line_form.cleaned_data.get("DELETE"):
                continue
            lines.append(line_form.line(row))
        return lines

    @staticmethod
    def initial_for(
        report: ActivityReport, pillars: list[str], inputs: dict[int, FigureInput], indicators
    ):
        initial = {
            "title": report.title,
            "narrative": report.narrative,
            "province": report.organisation.province_id or report.province_id,
            "commune": report.commune,
            "pillars": [p for p in pillars if p != report.programme.default_pillar],
            "version": report.version,
        }
        for indicator in indicators:
            data = inputs.get(indicator.pk)
            if data is None:
                continue
            initial[field_name(indicator, "na")] = data.not_applicable
            initial[field_name(indicator, "total")] = data.total
            initial[field_name(indicator, "num")] = data.numerator
            initial[field_name(indicator, "den")] = data.denominator
            for (dimension, category), value in data.cells.items():
                initial[field_name(indicator, dimension, category)] = value
            for (dimension, category), value in data.numerators.items():
                initial[field_name(indicator, dimension, category, "num")] = value
            for (dimension, category), value in data.denominators.items():
                initial[field_name(indicator, dimension, category, "den")] = value
        return initial

    def figure_inputs(self) -> dict[int, FigureInput]:
        data = self.cleaned_data
        inputs = {}
        for indicator in self.indicators:
            keys = [
                (dimension, category)
                for dimension, _label, cells in dimension_layout(indicator)
                for category, _c in cells
            ]

            def read(key: tuple[str, str], part: str = "", indicator=indicator):
                return data.get(field_name(indicator, *key, part))

            ratio = indicator.is_ratio
            inputs[indicator.pk] = FigureInput(
                not_applicable=bool(data.get(field_name(indicator, "na"))),
                total=data.get(field_name(indicator, "total")),
                numerator=data.get(field_name(indicator, "num")),
                denominator=data.get(field_name(indicator, "den")),
                cells={} if ratio else {key: read(key) for key in keys},
                numerators={key: read(key, "num") for key in keys} if ratio else {},
                denominators={key: read(key, "den") for key in keys} if ratio else {},
            )
        return inputs

    def content(self) -> ReportContent:
        data = self.cleaned_data
        return ReportContent(
            title=data["title"],
            narrative=data["narrative"],
            commune=data.get("commune") or "",
            province_id=self._chosen_province_id(),
            pillars=list(data["pillars"]),
            figures=self.figure_inputs(),
            spending=self.spending_lines(),
        )

    def _chosen_province_id(self) -> int | None:
        field = self.fields.get("province")
        if field is None or field.disabled:
            return None
        return self.cleaned_data["province"].pk

    def partial_content(self) -> ReportContent:
        """What could be read of an invalid form, so the rules can check the rest at once."""
        data = self.cleaned_data
        province = data.get("province")
        return ReportContent(
            title=data.get("title") or "",
            narrative=data.get("narrative") or "",
            commune=data.get("commune") or "",
            province_id=province.pk if province else None,
            pillars=list(data.get("pillars") or []),
            figures=self.figure_inputs(),
            spending=self.spending_lines(),
        )

    def add_rule_errors(self, errors: dict[str, list[str]]) -> None:
        """Add the rules' errors, except on an indicator that already has one from the form: a
        figure that could not be read would also show as missing or not adding up."""
        unread = {name.split("__")[0] for name in self.errors if name != NON_FIELD_ERRORS}
        for name, messages in errors.items():
            if self._add_spending_error(name, messages):
                continue
            if name not in self.fields:
                self.add_error(None, messages)
            elif name not in self.errors and name.split("__")[0] not in unread:
                self.add_error(name, messages)

    def _add_spending_error(self, name: str, messages: list[str]) -> bool:
        """A rule's error about a spending line goes next to its field, unless the field has one
        from the form already; True when the name was a spending line's."""
        parts = name.split("-")
        if len(parts) != 3 or parts[0] != spending.PREFIX or not parts[1].isdigit():
            return False
        row, part = int(parts[1]), parts[2]
        if self.spending_sent and row < len(self.spending.forms):
            line_form = self.spending.forms[row]
            if part not in line_form.errors and part in line_form.fields:
                line_form.add_error(part, messages)
        return True

    def error_summary(self) -> list[dict]:
        """Every error, in the order of the page, with the id of its field to link to."""
        codes = {indicator.code: indicator for indicator in self.indicators}
        items = [{"anchor": "", "label": "", "message": m} for m in self.non_field_errors()]
        for name in self.fields:
            for message in self.errors.get(name, []):
                bound = self[name]
                code = name.split("__")[0]
                label = f"{code} · {bound.label}" if code in codes else str(bound.label)
                anchor = bound.id_for_label or f"id_{name}"
                items.append({"anchor": anchor, "label": label, "message": message})
        if self.spending_sent and self.spending.is_bound:
            items += [
                {"anchor": "spending", "label": _("Spending"), "message": m}
                for m in self.spending.non_form_errors()
            ]
            for row, line_form in enumerate(self.spending.forms):
                for name in line_form.fields:
                    for message in line_form.errors.get(name, []):
                        bound = line_form[name]
                        label = _("Spending line %(n)s · %(field)s") % {
                            "n": row + 1,
                            "field": bound.label,
                        }
                        items.append(
                            {"anchor": bound.id_for_label, "label": label, "message": message}
                        )
        return items

    def indicator_sections(self):
        """Indicators grouped by pillar, each with its bound fields, for the template."""
        sections: dict[str, dict] = {}
        for indicator in self.indicators:
            section = sections.setdefault(
                indicator.pillar, {"label": indicator.get_pillar_display(), "indicators": []}
            )
            dimensions = [
                {
                    "key": dimension,
                    "label": label,
                    "fields": []
                    if indicator.is_ratio
                    else [self[field_name(indicator, dimension, c)] for c, _l in cells],
                    "pairs": [
                        {
                            "label": category_label,
                            "numerator": self[field_name(indicator, dimension, c, "num")],
                            "denominator": self[field_name(indicator, dimension, c, "den")],
                        }
                        for c, category_label in cells
                    ]
                    if indicator.is_ratio
                    else [],
                }
                for dimension, label, cells in dimension_layout(indicator)
            ]
            section["indicators"].append(
                {
                    "indicator": indicator,
                    "na": self[field_name(indicator, "na")],
                    "total": None if indicator.is_ratio else self[field_name(indicator, "total")],
                    "numerator": self[field_name(indicator, "num")] if indicator.is_ratio else None,
                    "denominator": self[field_name(indicator, "den")]
                    if indicator.is_ratio
                    else None,
                    "dimensions": dimensions,
                    "restrictions": indicator.restrictions,
                }
            )
        return list(sections.values())


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return a report: say what to correct."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PeriodLockForm(forms.Form):
    """Locking or unlocking a period, confirmed with a tick: it stops (or lets again) every
    submission for the period."""

    locked = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I have checked: this is the period I mean."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_(
            "PDF, image or office document, 10 MB at most. No documents that identify a survivor."
        ),
    )


class ImportTemplateForm(forms.Form):
    """What a template is for: a programme, organisations and periods (read from a GET)."""

    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=_("Choose a programme")
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        queryset=Organisation.objects.none(),
        help_text=_("One row for each organisation and period (hold Ctrl to choose several)."),
    )
    periods = forms.ModelMultipleChoiceField(
        label=_("Periods"), queryset=ReportingPeriod.objects.none()
    )

    MAX_ROWS = 2_000  # as many rows as an import takes (`reports.imports.MAX_ROWS`)

    def __init__(self, *args, organisations, programmes, periods, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        cast(forms.ModelChoiceField, fields["programme"]).queryset = programmes
        cast(forms.ModelMultipleChoiceField, fields["organisations"]).queryset = organisations
        cast(forms.ModelMultipleChoiceField, fields["periods"]).queryset = periods
        fields["organisations"].widget.attrs["size"] = 6
        fields["periods"].widget.attrs["size"] = 6

    def clean(self):
        data = super().clean() or {}
        programme, periods = data.get("programme"), data.get("periods")
        if programme and periods:
            wrong = [p for p in periods if p.kind != programme.period_kind]
            if wrong:
                self.add_error(
                    "periods",
                    _("%(programme)s reports by %(kind)s: choose such periods.")
                    % {
                        "programme": programme.name,
                        "kind": ReportingPeriod.Kind(programme.period_kind).label.lower(),
                    },
                )
        organisations = data.get("organisations")
        if organisations and periods and len(organisations) * len(periods) > self.MAX_ROWS:
            raise forms.ValidationError(
                _("That makes more than %(count)s reports: choose fewer organisations or periods.")
                % {"count": self.MAX_ROWS}
            )
        return data


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in template (.xlsx)"),
        help_text=_("10 MB at most. Nothing is saved until you have seen the check and confirmed."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    submit = forms.TypedChoiceField(
        label=_("Import the reports as"),
        choices=[("0", _("Drafts, to check and submit one by one")), ("1", _("Submitted"))],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )


class ReportFilter(django_filters.FilterSet):
    period = django_filters.ModelChoiceFilter(
        label=_("Period"),
        queryset=lambda request: periods_in_use(),
        empty_label=_("All periods"),
    )
    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"),
        queryset=Programme.objects.order_by("code"),
        empty_label=_("All programmes"),
    )
    pillar = django_filters.ChoiceFilter(
        label=_("Pillar"),
        choices=Pillar.choices,
        field_name="pillar_tags__pillar",
        distinct=False,
        empty_label=_("All pillars"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ActivityReport.Status.choices, empty_label=_("All statuses")
    )
    province = django_filters.ModelChoiceFilter(
        label=_("Province"),
        queryset=Province.objects.order_by("code"),
        empty_label=_("All provinces"),
    )

    class Meta:
        model = ActivityReport
        fields = ["period", "programme", "pillar", "status", "province"]


class ReviewQueueFilter(ReportFilter):
    """The review queue holds submitted reports only: a choice of status would offer nothing."""

    status = None

    class Meta(ReportFilter.Meta):
        fields = ["period", "programme", "pillar", "province"]


class OverdueForm(forms.Form):
    # No empty choice: without one the page shows the period whose deadline passed last.
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), required=False, empty_label=None
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Province.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All provinces"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["period"]).queryset = overdue_periods()
        if not user.is_portal_admin:  # a province outside the reviewer's scope is no choice
            provinces, organisations = user.review_scope()
            cast(forms.ModelChoiceField, self.fields["province"]).queryset = (
                Province.objects.filter(Q(pk__in=provinces) | Q(organisations__in=organisations))
                .distinct()
                .order_by("code")
            )
