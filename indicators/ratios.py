"""How a ratio indicator reads: its numerator as a percentage of its denominator.

Every roll-up of a ratio is sum(numerators) / sum(denominators), never an average of percentages,
so this is applied to summed parts only.
"""

from decimal import Decimal


def percent(numerator: int | None, denominator: int | None) -> Decimal | None:
    """The numerator as a percentage of the denominator, to one decimal; None when undefined."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))
