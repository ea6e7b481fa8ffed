from django.utils.translation import get_language


def pick_language(vi: str, en: str) -> str:
    """Return the Vietnamese or English text for the active language, falling back to the other."""
    if (get_language() or "vi").startswith("en"):
        return en or vi
    return vi or en


class BilingualNameMixin:
    """For models with `name_vi` and `name_en`: `name` follows the active language."""

    name_vi: str
    name_en: str

    @property
    def name(self) -> str:
        return pick_language(self.name_vi, self.name_en)
