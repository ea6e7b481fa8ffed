"""Calendar arithmetic for reporting periods (quarters and months)."""

import datetime
from calendar import monthrange

DEADLINE_DAYS = 15  # the default submission deadline: 15 days after the period ends


def period_dates(kind: str, year: int, number: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of quarter or month `number` of `year`."""
    first_month = 3 * (number - 1) + 1 if kind == "quarter" else number
    last_month = first_month + 2 if kind == "quarter" else number
    start = datetime.date(year, first_month, 1)
    end = datetime.date(year, last_month, monthrange(year, last_month)[1])
    return start, end


def default_deadline(end_date: datetime.date) -> datetime.date:
    return end_date + datetime.timedelta(days=DEADLINE_DAYS)


def previous_number(kind: str, year: int, number: int) -> tuple[int, int]:
    """(year, number) of the period before."""
    if number > 1:
        return year, number - 1
    return year - 1, 4 if kind == "quarter" else 12
