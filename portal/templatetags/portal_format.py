"""Template filters that write values the way the reader's language does."""

import datetime

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


def _decimal(value: float, places: int) -> str:
    """The number with the language's decimal mark and no trailing zeros: 0.06, 0,06, 12.5, 3."""
    text = number_format(round(value, places), places)
    return text.rstrip("0").rstrip(".,") if any(mark in text for mark in ".,") else text


@register.filter
def duration(value: datetime.timedelta | None) -> str:
    """A time span as people say it: "0.06 s", "12.5 s", "2 min 3 s", "3 h 1 min" (translated,
    with the language's decimal mark); empty for None."""
    if value is None:
        return ""
    seconds = value.total_seconds()
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": _decimal(seconds, 2 if seconds < 10 else 1)}
    whole = round(seconds)
    if whole < 3600:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": whole // 60, "seconds": whole % 60}
    return _("%(hours)s h %(minutes)s min") % {
        "hours": whole // 3600,
        "minutes": whole % 3600 // 60,
    }
