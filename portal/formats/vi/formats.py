# Django's Vietnamese formats leave NUMBER_GROUPING unset, which prints 1234567 with no separator.
from django.conf.locale.vi.formats import *  # noqa: F403

NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."

# Dates the way Vietnamese forms and documents write them: 15/01/2027 (Django's own is 15-01-2027).
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]
