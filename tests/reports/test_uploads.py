"""Evidence files: only sound files of an allowed kind are kept (images encoded again, without
metadata), and every download is served under a generated name with the detected type."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter

from reports import services, uploads
from reports.models import Attachment
from tests import factories
from tests.files import (
    small_docx,
    small_gif,
    small_jpeg,
    small_odt,
    small_ole,
    small_pdf,
    small_png,
    small_xlsx,
)

pytestmark = pytest.mark.django_db

SCRIPT = b"<html><body><script>alert(document.domain)</script></body></html>"
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(document.domain)'/>"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

POLYGLOTS = {
    "pdf then html": ("poly.html", b"%PDF-1.4\n" + SCRIPT + b"\n"),
    "pdf then svg, with an end marker": ("poly.pdf", b"%PDF-1.7\n" + SVG + b"\n%%EOF\n"),
    "gif then svg": ("poly.svg", b"GIF89a" + SVG),
    "gif then html": ("poly.html", b"GIF89a/*" + SCRIPT + b"*/"),
    "png signature then html": ("poly.png", b"\x89PNG\r\n\x1a\n" + SCRIPT),
    "jpeg signature then html": ("poly.jpg", b"\xff\xd8\xff\xe0" + SCRIPT * 4),
    "broken docx": ("report.docx", small_docx()[:300]),
    "broken odt": ("report.odt", small_odt()[:120]),
    "ole signature then html": (
        "poly.doc",
        OLE_MAGIC + b"\x00" * 504 + b"\xec\xa5\xc1\x00" + SCRIPT * 30,
    ),
    "ole without its kind's stream": ("report.doc", small_ole("Contents")),
}


def attach(report, name, data):
    return services.attachment_add(
        actor=report.created_by, report_id=report.pk, upload=SimpleUploadedFile(name, data)
    )


def stored(attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def report():
    return factories.draft_report()


@pytest.mark.parametrize("case", list(POLYGLOTS))
def test_a_file_that_is_not_sound_all_through_is_refused_with_a_clear_message(report, case):
    name, data = POLYGLOTS[case]

    with translation.override("en"), pytest.raises(ValidationError) as raised:
        attach(report, name, data)

    (message,) = raised.value.message_dict["file"]
    assert "cannot be read" in message or "Attach a PDF, an image" in message
    assert not Attachment.objects.exists()


def test_a_polyglot_posted_on_the_page_is_refused_and_the_reason_shown(client, report):
    client.force_login(report.created_by)
    client.cookies["portal_language"] = "en"
    upload = SimpleUploadedFile("poly.html", b"%PDF-1.4\n" + SCRIPT)

    response = client.post(
        reverse("reports:attachment_add", args=[report.pk]), {"file": upload}, follow=True
    )

    assert "This PDF cannot be read" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_password_protected_pdf_is_refused(report):
    writer = PdfWriter(clone_from=io.BytesIO(small_pdf()))
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    with translation.override("en"), pytest.raises(ValidationError, match="password"):
        attach(report, "locked.pdf", buffer.getvalue())


def test_an_office_file_that_unpacks_too_large_is_refused(report, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 100)

    with pytest.raises(ValidationError):
        attach(report, "big.docx", small_docx())


SOUND = {
    "pdf": ("evidence.pdf", small_pdf, "application/pdf"),
    "png": ("photo.png", small_png, "image/png"),
    "jpeg": ("photo.jpg", small_jpeg, "image/jpeg"),
    "gif": ("chart.gif", small_gif, "image/gif"),
    "docx": ("minutes.docx", small_docx, uploads.ALLOWED["docx"].mime),
    "xlsx": ("figures.xlsx", small_xlsx, uploads.ALLOWED["xlsx"].mime),
    "odt": ("minutes.odt", small_odt, uploads.ALLOWED["odt"].mime),
    "doc": ("minutes.doc", small_ole, "application/msword"),
    "xls": (
        "figures.xls",
        lambda: small_ole("Workbook", b"\x09\x08\x10\x00\x00\x06\x05\x00"),
        "application/vnd.ms-excel",
    ),
    "ppt": (
        "slides.ppt",
        lambda: small_ole("PowerPoint Document", b"\x0f\x00\xe8\x03"),
        "application/vnd.ms-powerpoint",
    ),
}


@pytest.mark.parametrize("case", list(SOUND))
def test_real_evidence_files_are_accepted_and_typed_by_content(report, case):
    name, make, mime = SOUND[case]

    attachment = attach(report, name, make())

    assert attachment.content_type == mime
    assert attachment.original_name == name
    assert attachment.file.name.endswith(attachment.extension)
    assert name not in attachment.file.name
    assert attachment.size == len(stored(attachment))


def test_a_real_pdf_is_kept_as_it_was(report):
    attachment = attach(report, "evidence.pdf", small_pdf())

    assert stored(attachment) == small_pdf()
    assert len(PdfReader(io.BytesIO(stored(attachment))).pages) == 1


def test_whatever_follows_a_pdfs_end_is_dropped(report):
    attachment = attach(report, "evidence.pdf", small_pdf() + SCRIPT * 50)

    kept = stored(attachment)
    assert SCRIPT not in kept
    assert kept.endswith(b"%%EOF\n")
    assert len(PdfReader(io.BytesIO(kept)).pages) == 1


ENDS = {"png": b"IEND\xaeB`\x82", "jpeg": b"\xff\xd9", "gif": b";"}


@pytest.mark.parametrize(
    ("case", "make"), [("png", small_png), ("jpeg", small_jpeg), ("gif", small_gif)]
)
def test_an_image_is_encoded_again_so_nothing_after_its_pixels_is_kept(report, case, make):
    attachment = attach(report, f"photo.{case}", make() + SCRIPT + SVG)

    kept = stored(attachment)
    assert SCRIPT not in kept and b"<svg" not in kept
    assert kept.endswith(ENDS[case])
    with Image.open(io.BytesIO(kept)) as image:
        image.load()
        assert image.format == {"jpeg": "JPEG"}.get(case, case.upper())


def test_image_metadata_such_as_the_camera_owner_and_position_is_removed(report):
    secret = "Nguyen Thi A, Peace House"
    photo = small_jpeg(exif={0x010F: secret, 0x013B: secret})  # maker, artist

    kept = stored(attach(report, "photo.jpg", photo))

    assert secret.encode() in photo
    assert secret.encode() not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif()


# --- Downloads ---------------------------------------------------------------------------------


def download(client, attachment):
    client.force_login(attachment.report.created_by)
    return client.get(
        reverse("reports:attachment_download", args=[attachment.report_id, attachment.pk])
    )


def test_a_download_has_a_generated_name_the_detected_type_and_nosniff(client, report):
    attachment = attach(report, "poly.html", small_png())  # a real PNG under a page's name

    response = download(client, attachment)

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="napwps-evidence-{report.pk}-{attachment.pk}.png"' in disposition
    assert "poly" not in disposition and ".html" not in disposition
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == stored(attachment)


def test_a_download_never_takes_its_type_from_the_stored_row(client, report):
    attachment = attach(report, "evidence.pdf", small_pdf())
    Attachment.objects.filter(pk=attachment.pk).update(content_type="text/html")

    response = download(client, attachment)

    assert response["Content-Type"] == "application/pdf"


def test_an_old_attachment_of_no_known_kind_downloads_as_plain_bytes(client, report):
    attachment = attach(report, "evidence.pdf", small_pdf())
    Attachment.objects.filter(pk=attachment.pk).update(extension=".html", content_type="text/html")

    response = download(client, attachment)

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].endswith('.bin"')


def test_an_animated_image_keeps_its_frames_but_not_its_comment_or_payload(report):
    frames = [Image.new("RGB", (4, 4), (80 * n, 0, 0)) for n in range(3)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], comment=b"Nguyen Thi A", loop=0
    )

    kept = stored(attach(report, "animation.gif", buffer.getvalue() + SCRIPT))

    assert b"Nguyen Thi A" not in kept and SCRIPT not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.n_frames == 3
