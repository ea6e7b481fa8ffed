"""The disaggregation dimensions, their categories, and what an indicator declares of them.

An indicator's *declaration* (`Indicator.disaggregation`) maps a dimension to the categories valid
for it, e.g. ``{"sex": ["female"], "age": ["18-24", "25-49", "50-59", "60+", "unknown"]}``:
- two or more categories: a breakdown. Reports give a cell per category and the cells add up to
  the total, so the dimension's "not recorded" category is always one of them;
- one category: a restriction, not a breakdown (CR-01 counts women only): everyone counted is in
  that category, so there is no cell to fill;
- a dimension left out: not asked for.
The catalogue CSV writes the same declaration as
``sex:female age:18-24,25-49,50-59,60+,unknown disability`` (a dimension named alone declares all of
its categories).
"""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str or a lazy translation

TOTAL = "total"

DIMENSIONS: "dict[str, tuple[StrOrPromise, list[tuple[str, StrOrPromise]]]]" = {
    "sex": (
        _("Sex"),
        [("female", _("Female")), ("male", _("Male")), ("other", _("Other / not recorded"))],
    ),
    "age": (
        _("Age band"),
        [
            ("0-5", "0-5"),
            ("6-11", "6-11"),
            ("12-15", "12-15"),
            ("16-17", "16-17"),
            ("18-24", "18-24"),
            ("25-49", "25-49"),
            ("50-59", "50-59"),
            ("60+", "60+"),
            ("unknown", _("Not recorded")),
        ],
    ),
    "disability": (
        _("Disability (Washington Group short set)"),
        [
            ("yes", _("With disability")),
            ("no", _("Without disability")),
            ("unknown", _("Not recorded")),
        ],
    ),
}

# The category of each dimension that takes what the reporter does not know; every breakdown has it.
NOT_RECORDED = {"sex": "other", "age": "unknown", "disability": "unknown"}

DIMENSION_CHOICES = [(TOTAL, _("Total"))] + [
    (key, label) for key, (label, _c) in DIMENSIONS.items()
]

Declaration = dict[str, list[str]]


def categories(dimension: str) -> "list[tuple[str, StrOrPromise]]":
    """Every category of a dimension, in its natural order (the declaration picks among them)."""
    return DIMENSIONS[dimension][1]


def category_label(dimension: str, category: str) -> str:
    if dimension == TOTAL:
        return str(_("Total"))
    return str(dict(categories(dimension)).get(category, category))


def full(dimension: str) -> list[str]:
    return [category for category, _label in categories(dimension)]


def normalise(declaration: object) -> Declaration:
    """The declaration checked, with categories in their natural order and empty dimensions left
    out. Raises ValidationError (every problem at once) when it is not a valid declaration."""
    if not isinstance(declaration, dict):
        raise ValidationError(_("A disaggregation declaration maps dimensions to categories."))
    errors: list[ValidationError] = []
    clean: Declaration = {}
    for dimension, chosen in declaration.items():
        if dimension not in DIMENSIONS:
            errors.append(
                ValidationError(
                    _("“%(dimension)s” is not a disaggregation dimension."),
                    params={"dimension": dimension},
                    code="unknown_dimension",
                )
            )
            continue
        label = DIMENSIONS[dimension][0]
        if not isinstance(chosen, list | tuple) or not all(isinstance(c, str) for c in chosen):
            errors.append(
                ValidationError(
                    _("List the categories of %(dimension)s."), params={"dimension": label}
                )
            )
            continue
        unknown = [c for c in chosen if c not in full(dimension)]
        if unknown:
            errors.append(
                ValidationError(
                    _("%(dimension)s has no category “%(category)s”."),
                    params={"dimension": label, "category": unknown[0]},
                    code="unknown_category",
                )
            )
            continue
        ordered = [c for c in full(dimension) if c in chosen]
        if not ordered:
            continue
        not_recorded = NOT_RECORDED[dimension]
        if len(ordered) > 1 and not_recorded not in ordered:
            errors.append(
                ValidationError(
                    _(
                        "%(dimension)s: a breakdown needs its “%(not_recorded)s” category, for "
                        "people whose detail is unknown (the cells must add up to the total)."
                    ),
                    params={
                        "dimension": label,
                        "not_recorded": category_label(dimension, not_recorded),
                    },
                    code="not_recorded_missing",
                )
            )
            continue
        if ordered == [not_recorded]:
            errors.append(
                ValidationError(
                    _(
                        "%(dimension)s: “%(not_recorded)s” alone restricts nothing; choose the "
                        "category everyone counted belongs to, or leave the dimension out."
                    ),
                    params={
                        "dimension": label,
                        "not_recorded": category_label(dimension, not_recorded),
                    },
                    code="not_recorded_alone",
                )
            )
            continue
        clean[dimension] = ordered
    if errors:
        raise ValidationError(errors)
    return {dimension: clean[dimension] for dimension in DIMENSIONS if dimension in clean}


def parse(text: str) -> Declaration:
    """A declaration from the catalogue CSV's notation: ``sex:female age:18-24,25-49,...,unknown
    disability``; a dimension named alone takes all of its categories."""
    declaration: dict[str, list[str]] = {}
    for token in text.split():
        dimension, _colon, listed = token.partition(":")
        declaration[dimension] = (
            listed.split(",") if listed else full(dimension) if dimension in DIMENSIONS else []
        )
    return normalise(declaration)


def unparse(declaration: Declaration) -> str:
    """The CSV notation of a declaration (the inverse of `parse`)."""
    tokens = []
    for dimension in (d for d in DIMENSIONS if declaration.get(d)):
        chosen = declaration[dimension]
        tokens.append(dimension if chosen == full(dimension) else f"{dimension}:{','.join(chosen)}")
    return " ".join(tokens)


def breakdown_dimensions(declaration: Declaration) -> list[str]:
    """The dimensions a report fills cells for: those with two or more categories."""
    # In the dimensions' own order: a JSON column need not keep the order of its keys.
    return [d for d in DIMENSIONS if len(declaration.get(d, [])) > 1]
