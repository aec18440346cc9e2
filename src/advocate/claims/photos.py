"""Customers' photos of a problem: checked to be a real image, shrunk, and stripped of metadata.

Re-encoding drops EXIF, which on a phone photo often holds where it was taken (the customer's home).

Decoding is what costs a worker time, and it grows with the pixels decoded, so every photo of a report is
measured from its header first — `Image.open` reads the size without decoding — and the report is refused
before any photo is decoded when one photo, or all of them together, would decode more pixels than the caps
(a WebP's pixels weigh three times: it decodes that much slower).
A JPEG is decoded at a reduced scale where that still gives MAX_SIDE pixels a side (libjpeg's draft mode), and
is counted at that scale: a 48-megapixel phone photo costs what a 3-megapixel one does. `benchmarks/
photo_worst_case.py` prints the worst case a report can cost. Plain Python (Pillow), no Django.
"""

import io
import math

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a phone photo is 12–50 MP; a tiny file claiming far more is a decompression bomb
MAX_DECODED_PIXELS = 4096 * 3072  # decoded for one photo: a 12 MP phone photo (JPEGs far larger, WebPs smaller)
MAX_REPORT_PIXELS = 16_000_000  # decoded for all the photos of one report: five phone JPEGs (3 MP each, decoded)
# WebP decodes about three times slower a pixel than the others (benchmarks/photo_worst_case.py): its pixels
# count three times against the caps, so a report costs at most the same time whatever its format.
PIXEL_WEIGHT = {"WEBP": 3}
MAX_SIDE = 2000
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")  # the only decoders tried; a phone's MPO opens as JPEG


class PhotoRejected(ValueError):
    pass


def _opened(data: bytes) -> Image.Image:
    """The image with only its header read, set to decode at the smallest scale that keeps MAX_SIDE."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected("too_large")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:  # Pillow's own check, from the header, past 2 × its MAX_IMAGE_PIXELS
        raise PhotoRejected("too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected("not_an_image") from None
    if image.width * image.height > MAX_PIXELS:
        raise PhotoRejected("too_large")
    if image.format in ("JPEG", "MPO"):
        # Only sets the scale (the smallest at which the long side still has MAX_SIDE pixels): image.size is now
        # what will be decoded.
        ratio = min(MAX_SIDE / max(image.size), 1)
        image.draft("RGB", (math.ceil(image.width * ratio), math.ceil(image.height * ratio)))
    return image


def decoded_pixels(data: bytes) -> int:
    """How many pixels cleaning this photo would decode (a WebP's weighed), read from its header alone."""
    with _opened(data) as image:
        return image.width * image.height * PIXEL_WEIGHT.get(image.format, 1)


def clean_photos(photos: list[bytes], *, max_pixels: int = MAX_DECODED_PIXELS,
                 max_total: int = MAX_REPORT_PIXELS) -> list[bytes]:
    """Every photo cleaned (`clean_photo`), or PhotoRejected before any is decoded: `too_many_pixels` when one
    photo would decode more than `max_pixels`, or all of them more than `max_total`."""
    sizes = [decoded_pixels(photo) for photo in photos]
    if any(size > max_pixels for size in sizes) or sum(sizes) > max_total:
        raise PhotoRejected("too_many_pixels")
    return [clean_photo(photo) for photo in photos]


def clean_photo(data: bytes) -> bytes:
    """The photo as a JPEG of at most MAX_SIDE pixels a side, without metadata; PhotoRejected if it is not
    a photo we can read."""
    try:
        with _opened(data) as image:
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise PhotoRejected("not_an_image") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
