"""Vietnamese first: the language is the one the user chose (cookie), else Vietnamese.

Django's LocaleMiddleware would follow the browser's Accept-Language, which on many office
computers in Viet Nam says English; the portal's users work in Vietnamese first, so only an
explicit choice (the switch on every page) changes the language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
