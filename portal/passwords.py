"""Password rules of our own, added to Django's validators."""

import unicodedata
from pathlib import Path

from django.contrib.auth import password_validation

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
