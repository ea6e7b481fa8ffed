"""The disaggregation dimensions an indicator can ask for, and their cells."""

from typing import TYPE_CHECKING

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

DIMENSION_CHOICES = [(TOTAL, _("Total"))] + [
    (key, label) for key, (label, _c) in DIMENSIONS.items()
]


def categories(dimension: str) -> "list[tuple[str, StrOrPromise]]":
    return DIMENSIONS[dimension][1]


def category_label(dimension: str, category: str) -> str:
    if dimension == TOTAL:
        return str(_("Total"))
    return str(dict(categories(dimension)).get(category, category))
