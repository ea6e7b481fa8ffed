"""Calendar arithmetic for reporting periods (years, quarters and months)."""

import datetime
from calendar import monthrange

DEADLINE_DAYS = 15  # the default submission deadline: 15 days after the period ends
# A year's national figures take ministries longer to compile: due at the end of January, in
# time for the Government's report on gender equality goals to the National Assembly (Q1).
YEAR_DEADLINE_DAYS = 31


def period_dates(kind: str, year: int, number: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of quarter or month `number` of `year` (the whole year for a year)."""
    if kind == "year":
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first_month = 3 * (number - 1) + 1 if kind == "quarter" else number
    last_month = first_month + 2 if kind == "quarter" else number
    start = datetime.date(year, first_month, 1)
    end = datetime.date(year, last_month, monthrange(year, last_month)[1])
    return start, end


def parse_code(code: str) -> tuple[str, int, int]:
    """(kind, year, number) of a period code: '2026-Q3' is a quarter, '2026-09' a month, '2026'
    the year (number 1).

    Raises ValueError for anything else."""
    year_text, sep, part = code.strip().upper().partition("-")
    if not (year_text.isascii() and year_text.isdigit() and part.isascii()):
        raise ValueError(code)
    if not sep:
        if len(year_text) != 4:
            raise ValueError(code)
        return "year", int(year_text), 1
    kind, number_text = ("quarter", part[1:]) if part.startswith("Q") else ("month", part)
    if not number_text.isdigit():
        raise ValueError(code)
    number = int(number_text)
    if not 1 <= number <= (4 if kind == "quarter" else 12):
        raise ValueError(code)
    return kind, int(year_text), number


def default_deadline(end_date: datetime.date, kind: str = "quarter") -> datetime.date:
    days = YEAR_DEADLINE_DAYS if kind == "year" else DEADLINE_DAYS
    return end_date + datetime.timedelta(days=days)


def previous_number(kind: str, year: int, number: int) -> tuple[int, int]:
    """(year, number) of the period before."""
    if kind == "year":
        return year - 1, 1
    if number > 1:
        return year, number - 1
    return year - 1, 4 if kind == "quarter" else 12
