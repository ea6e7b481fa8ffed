"""Checks on evidence files: size, and type by content (the name alone proves nothing)."""

from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192  # filetype reads the first 8 KiB at most


@dataclass(frozen=True)
class FileKind:
    extension: str
    mime: str


ALLOWED = {
    "pdf": FileKind(".pdf", "application/pdf"),
    "png": FileKind(".png", "image/png"),
    "jpg": FileKind(".jpg", "image/jpeg"),
    "gif": FileKind(".gif", "image/gif"),
    "webp": FileKind(".webp", "image/webp"),
    "docx": FileKind(
        ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": FileKind(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": FileKind(
        ".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
    "odt": FileKind(".odt", "application/vnd.oasis.opendocument.text"),
    "ods": FileKind(".ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": FileKind(".odp", "application/vnd.oasis.opendocument.presentation"),
    "doc": FileKind(".doc", "application/msword"),
    "xls": FileKind(".xls", "application/vnd.ms-excel"),
    "ppt": FileKind(".ppt", "application/vnd.ms-powerpoint"),
}


def check_upload(upload) -> FileKind:
    """The kind of an uploaded file, or a ValidationError if it is too large or not allowed."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than 10 MB. Attach a smaller or compressed copy.")}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    guess = filetype.guess(head)
    kind = ALLOWED.get(guess.extension) if guess else None
    if kind is None:
        raise ValidationError(
            {"file": _("Attach a PDF, an image (PNG, JPEG, GIF, WebP) or an office document.")}
        )
    return kind
