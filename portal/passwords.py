"""Password rules of our own, added to Django's validators."""

import unicodedata
from pathlib import Path

from django.contrib.auth import password_validation
from django.utils.translation import ngettext

VIETNAMESE_LIST = Path(__file__).with_name("common_passwords_vi.txt")


def without_diacritics(text: str) -> str:
    """ "mậtkhẩu" -> "matkhau", "Đà" -> "Da": what a password looks like typed without accents."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's 20,000 common passwords plus those Vietnamese users pick first (`matkhau123456`,
    `anhyeuem123456`, ...), compared without case, surrounding spaces or Vietnamese accents."""

    def __init__(
        self,
        password_list_path=password_validation.CommonPasswordValidator.DEFAULT_PASSWORD_LIST_PATH,
    ):
        super().__init__(password_list_path)
        self.passwords |= {
            line.strip().lower()
            for line in VIETNAMESE_LIST.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }

    def validate(self, password, user=None):
        super().validate(password, user)
        super().validate(without_diacritics(password), user)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, with its messages in this project's catalogue: Django's own
    Vietnamese catalogue lacks them, and users read "too short" in English otherwise."""

    def get_error_message(self) -> str:
        return (
            ngettext(
                "This password is too short. It must contain at least %d character.",
                "This password is too short. It must contain at least %d characters.",
                self.min_length,
            )
            % self.min_length
        )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must contain at least %(min_length)d character.",
            "Your password must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
