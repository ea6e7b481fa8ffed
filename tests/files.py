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


def small_jpeg(exif: dict[int, str] | None = None) -> bytes:
    """A tiny JPEG, with EXIF tags if given (0x010F maker, 0x0131 software, ...)."""
    from PIL import Image

    image = Image.new("RGB", (8, 8), (10, 120, 60))
    metadata = Image.Exif()
    for tag, value in (exif or {}).items():
        metadata[tag] = value
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=metadata.tobytes() if exif else b"")
    return buffer.getvalue()


def small_gif() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("P", (4, 4), 1).save(buffer, format="GIF")
    return buffer.getvalue()


def small_zip(members: dict[str, bytes | str]) -> bytes:
    """A zip whose members come in the given order (the first stored, as ODF wants)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, (name, data) in enumerate(members.items()):
            method = zipfile.ZIP_STORED if n == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def small_docx() -> bytes:
    return small_zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                '2006/content-types"><Override PartName="/word/document.xml" ContentType="'
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main"
                '+xml"/></Types>'
            ),
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document/>",
        }
    )


def small_xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def small_odt() -> bytes:
    return small_zip(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "META-INF/manifest.xml": "<manifest/>",
            "content.xml": "<office:document-content/>",
        }
    )


FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def small_ole(stream_name: str = "WordDocument", head: bytes = b"\xec\xa5\xc1\x00") -> bytes:
    """A minimal OLE2 compound file (the container of .doc, .xls, .ppt) holding one 4 KiB stream
    that starts with `head`, laid out as Office does: the stream first, then the FAT and the
    directory. The default is a Word document's stream and signature."""
    import struct

    sector = 512
    stream = head.ljust(4096, b"\x00")
    stream_sectors = len(stream) // sector  # sectors 0-7
    fat_at, directory_at = stream_sectors, stream_sectors + 1
    fat = [*range(1, stream_sectors), END_OF_CHAIN, FAT_SECTOR, END_OF_CHAIN]
    fat += [FREE] * (sector // 4 - len(fat))

    def entry(name, kind, child=NO_STREAM, start=END_OF_CHAIN, size=0):
        encoded = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB3I", len(encoded), kind, 1, NO_STREAM, NO_STREAM, child)
            + b"\x00" * 16  # class id
            + struct.pack("<I", 0)  # state bits
            + b"\x00" * 16  # creation and modification times
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, child=1)
        + entry(stream_name, 2, start=0, size=len(stream))
        + entry("", 0)
        + entry("", 0)
    )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, directory_at, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
        + struct.pack("<109I", fat_at, *[FREE] * 108)
    )
    return header + stream + struct.pack(f"<{sector // 4}I", *fat) + directory
