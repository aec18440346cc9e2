"""Customers' photos of a problem: checked to be a real image, shrunk, and stripped of metadata.

Re-encoding drops EXIF, which on a phone photo often holds where it was taken (the customer's home).
Plain Python (Pillow), no Django.
"""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a phone photo is 12–50 MP; a tiny file claiming far more is a decompression bomb
MAX_SIDE = 2000
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


class PhotoRejected(ValueError):
    pass


def clean_photo(data: bytes) -> bytes:
    """The photo as a JPEG of at most MAX_SIDE pixels a side, without metadata; PhotoRejected if it is not
    a photo we can read."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected("too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise PhotoRejected("not_an_image")
            if image.width * image.height > MAX_PIXELS:  # read from the header, before decoding
                raise PhotoRejected("too_large")
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise PhotoRejected("not_an_image") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
