"""Checks on evidence files: size, type by content (the name alone proves nothing), and structure.

A file is kept only if it is, all through, the kind its first bytes announce. Sniffing the first
bytes is not enough on its own: a file can start with `%PDF-` or `GIF89a` and carry HTML or SVG
behind it (a polyglot), which a browser may run if it ever renders the file as a page. So:

- a PDF must open in pypdf with at least one page; whatever follows its last `%%EOF` is dropped;
- an image must decode fully in Pillow as the format announced, and is encoded again (same
  format, no metadata: no EXIF, GPS position, comments or text chunks), so that nothing after or
  between its pixels survives;
- an office document must be a sound container: a zip (OOXML, OpenDocument) whose members pass
  their checksums and include the parts of its kind, or an OLE2 file (.doc, .xls, .ppt) holding
  the stream of its kind.

Downloads are served under a name the portal makes, with the extension and MIME type of the kind
detected here, as an attachment and with `nosniff` (`reports.views.attachment_download`).
"""

import io
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

import filetype
import olefile
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192  # filetype reads the first 8 KiB at most
# An office file is a zip: refuse one that would unpack to more than this (a zip bomb), or that
# holds more members than any real document does.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
# Pillow refuses images over twice its MAX_IMAGE_PIXELS (89 megapixels) and warns above it; the
# warning is an error here too: a photo of evidence is never that large.


@dataclass(frozen=True)
class FileKind:
    extension: str
    mime: str
    family: str  # pdf, image, ooxml, odf or ole: how its structure is checked
    # image: Pillow's format name; ooxml: the folder of its main part; ole: its main stream(s)
    parts: tuple[str, ...] = ()


ALLOWED = {
    "pdf": FileKind(".pdf", "application/pdf", "pdf"),
    "png": FileKind(".png", "image/png", "image", ("PNG",)),
    "jpg": FileKind(".jpg", "image/jpeg", "image", ("JPEG",)),
    "gif": FileKind(".gif", "image/gif", "image", ("GIF",)),
    "webp": FileKind(".webp", "image/webp", "image", ("WEBP",)),
    "docx": FileKind(
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "ooxml",
        ("word/",),
    ),
    "xlsx": FileKind(
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ooxml",
        ("xl/",),
    ),
    "pptx": FileKind(
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "ooxml",
        ("ppt/",),
    ),
    "odt": FileKind(".odt", "application/vnd.oasis.opendocument.text", "odf"),
    "ods": FileKind(".ods", "application/vnd.oasis.opendocument.spreadsheet", "odf"),
    "odp": FileKind(".odp", "application/vnd.oasis.opendocument.presentation", "odf"),
    "doc": FileKind(".doc", "application/msword", "ole", ("WordDocument",)),
    "xls": FileKind(".xls", "application/vnd.ms-excel", "ole", ("Workbook", "Book")),
    "ppt": FileKind(".ppt", "application/vnd.ms-powerpoint", "ole", ("PowerPoint Document",)),
}
BY_EXTENSION = {kind.extension: kind for kind in ALLOWED.values()}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: its kind, and the bytes to store."""

    kind: FileKind
    content: bytes


def kind_for_extension(extension: str) -> FileKind | None:
    """The allowed kind a stored attachment's extension stands for (None if it is none)."""
    return BY_EXTENSION.get(extension)


def check_upload(upload) -> CheckedFile:
    """The kind of an uploaded file and the bytes to keep, or a ValidationError on `file` if it
    is too large, not an allowed kind, or not sound all through."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than 10 MB. Attach a smaller or compressed copy.")}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    upload.seek(0)
    guess = filetype.guess(data[:SNIFF_BYTES])
    kind = ALLOWED.get(guess.extension) if guess else None
    if kind is None:
        raise ValidationError(
            {"file": _("Attach a PDF, an image (PNG, JPEG, GIF, WebP) or an office document.")}
        )
    check = {
        "pdf": _checked_pdf,
        "image": _checked_image,
        "ooxml": _checked_zip,
        "odf": _checked_zip,
        "ole": _checked_ole,
    }[kind.family]
    return CheckedFile(kind=kind, content=check(data, kind))


def _refuse(message: str):
    return ValidationError({"file": message})


# --- PDF ---------------------------------------------------------------------------------------


def _checked_pdf(data: bytes, kind: FileKind) -> bytes:
    unreadable = _(
        "This PDF cannot be read: it is damaged, or it is not a PDF. "
        "Attach the file as its program saved it."
    )
    end = data.rfind(b"%%EOF")
    if end == -1:
        raise _refuse(unreadable)
    end += len(b"%%EOF")
    for line_end in (b"\r\n", b"\n", b"\r"):
        if data.startswith(line_end, end):
            end += len(line_end)
            break
    data = data[:end]  # nothing a reader would look at comes after the last %%EOF
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refuse(_("This PDF is protected by a password. Attach a copy without one."))
        if len(reader.pages) == 0:
            raise _refuse(unreadable)
    except ValidationError:
        raise
    except Exception as error:  # any parser failure means the file is not a sound PDF
        raise _refuse(unreadable) from error
    return data


# --- Images ------------------------------------------------------------------------------------

# Kept when an image is encoded again: what it needs to look the same, no metadata.
_IMAGE_KEYS = {"transparency", "duration", "loop", "background", "disposal"}


def _checked_image(data: bytes, kind: FileKind) -> bytes:
    unreadable = _(
        "This image cannot be read: it is damaged, or it is not the image it claims to be."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in kind.parts:
                    raise _refuse(unreadable)
                probe.verify()  # checksums and structure, without decoding
            with Image.open(io.BytesIO(data)) as image:
                return _encoded_again(image)
    except ValidationError:
        raise
    except Exception as error:  # any decoder failure means the file is not a sound image
        raise _refuse(unreadable) from error


def _encoded_again(image: Image.Image) -> bytes:
    """The image decoded and written anew in its own format, without metadata: trailing or
    embedded payloads and EXIF (GPS position, camera owner) do not survive."""
    image_format = image.format
    frames = getattr(image, "n_frames", 1)
    keep: dict[str, Any] = {
        k: v for k, v in image.info.items() if isinstance(k, str) and k in _IMAGE_KEYS
    }
    buffer = io.BytesIO()
    if frames > 1:  # animated GIF or WebP: every frame, nothing else
        image.info.clear()
        image.info.update(keep)
        image.save(buffer, format=image_format, save_all=True, **keep)
        return buffer.getvalue()
    image.load()
    clean = ImageOps.exif_transpose(image)  # a copy, turned upright as the EXIF said
    clean.info.clear()
    clean.info.update(keep)
    options: dict[str, Any] = dict(keep)
    if image_format == "JPEG":
        options = {"quality": 90, "optimize": True}
    elif image_format == "WEBP":
        options["quality"] = 90
    clean.save(buffer, format=image_format, **options)
    return buffer.getvalue()


# --- Office documents --------------------------------------------------------------------------


def _checked_zip(data: bytes, kind: FileKind) -> bytes:
    unreadable = _(
        "This office document cannot be read: it is damaged, or it is not the document it "
        "claims to be."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = [member.filename for member in members]
            unpacked = sum(member.file_size for member in members)
            if not members or len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
                raise _refuse(unreadable)
            if kind.family == "odf":
                sound = names[0] == "mimetype" and archive.read("mimetype") == kind.mime.encode()
            else:
                sound = "[Content_Types].xml" in names and any(
                    name.startswith(kind.parts) for name in names
                )
            if not sound or archive.testzip() is not None:  # testzip: the first bad member
                raise _refuse(unreadable)
    except ValidationError:
        raise
    except Exception as error:  # a zip that does not open or unpack is not a sound document
        raise _refuse(unreadable) from error
    return data


def _checked_ole(data: bytes, kind: FileKind) -> bytes:
    unreadable = _(
        "This office document cannot be read: it is damaged, or it is not the document it "
        "claims to be."
    )
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as document:
            sound = any(document.exists(stream) for stream in kind.parts)
    except Exception as error:  # an OLE2 file that does not parse is not a sound document
        raise _refuse(unreadable) from error
    if not sound:
        raise _refuse(unreadable)
    return data
