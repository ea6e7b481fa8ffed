"""Telling a reader their release file is ready: an e-mail (Vietnamese first, then English, as
every e-mail of the portal), beside the notice on the files page and in the navigation."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from summaries.models import ReleaseFileBuild

LANGUAGES = ("vi", "en")


def _render(build: ReleaseFileBuild, language: str, template: str) -> str:
    with translation.override(language):
        return render_to_string(
            template,
            {
                "build": build,
                "release": build.release,
                "link": settings.PORTAL_BASE_URL + reverse("summaries:files"),
            },
        ).strip()


def release_file_ready(build: ReleaseFileBuild) -> bool:
    """E-mail the reader that the file they asked for is ready; False when they have no address
    or no longer an active account."""
    user = build.requested_by
    if not user.is_active or not user.email:
        return False
    subject = " / ".join(
        _render(build, language, "summaries/email/file_ready_subject.txt") for language in LANGUAGES
    ).replace("\n", " ")
    body = "\n\n----------\n\n".join(
        _render(build, language, "summaries/email/file_ready_body.txt") for language in LANGUAGES
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    return True
