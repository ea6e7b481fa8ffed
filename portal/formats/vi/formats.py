# Django's Vietnamese formats leave NUMBER_GROUPING unset, which prints 1234567 with no separator.
from django.conf.locale.vi.formats import *  # noqa: F403

NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
