"""Small, real evidence files made in memory for upload tests."""

import io


def small_pdf() -> bytes:
    """A one-page PDF that pypdf (and any reader) opens."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def small_png(size: tuple[int, int] = (4, 4)) -> bytes:
    """A tiny RGB PNG that Pillow decodes."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(buffer, format="PNG")
    return buffer.getvalue()
