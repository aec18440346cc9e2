"""The most worker time one problem report's photos can cost, and what a decompression bomb costs to refuse.

    uv run python benchmarks/photo_worst_case.py            # about a minute
    uv run python benchmarks/photo_worst_case.py --runs 5

For each format a report may carry (JPEG, PNG, WebP, GIF) it builds the most expensive report the caps allow
(claims/photos.py: MAX_DECODED_PIXELS a photo, MAX_REPORT_PIXELS a report, the API's body limit) with hard to
compress content, and times what the worker does with it before the database: base64 decoding, the request
fingerprint (a hash of every photo), reading the headers, and decoding, shrinking and re-encoding each photo
(`clean_photos`). Then the refusals: a PNG decompression bomb (small file, 400 megapixels of zeros), a report
one pixel over the cap, and a 48-megapixel JPEG (decoded at 1/4 scale). Prints seconds, worst of the runs.
No database, no Django: the photo code is plain Python.
"""

import argparse
import base64
import hashlib
import io
import math
import struct
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from PIL import Image

from advocate.claims.photos import (
    MAX_BYTES,
    MAX_DECODED_PIXELS,
    MAX_REPORT_PIXELS,
    PIXEL_WEIGHT,
    PhotoRejected,
    clean_photos,
)

API_BODY_LIMIT = 16 * 1024 * 1024  # settings.DATA_UPLOAD_MAX_MEMORY_SIZE
RAW_BUDGET = API_BODY_LIMIT * 3 // 4 - 64 * 1024  # photo bytes that fit in one API body once base64-encoded


def noisy(width: int, height: int, amplitude: int) -> Image.Image:
    """A photo-like image that compresses badly: a gradient under random noise."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    if amplitude == 0:
        return base
    noise = Image.effect_noise((width, height), amplitude).convert("RGB")
    return Image.blend(base, noise, 0.5)


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options = {"JPEG": {"quality": 92}, "WEBP": {"quality": 90}, "PNG": {"compress_level": 1}, "GIF": {}}[fmt]
    image.save(out, fmt, **options)
    return out.getvalue()


def worst_report(fmt: str) -> list[bytes]:
    """The report the caps allow that decodes the most pixels, with the least compressible content that
    still fits the byte limits (per photo, and the API's body)."""
    weight = PIXEL_WEIGHT.get(fmt, 1)
    sizes = [MAX_DECODED_PIXELS // weight, (MAX_REPORT_PIXELS - MAX_DECODED_PIXELS) // weight]
    if fmt == "JPEG":  # counted at the scale decoded: the largest JPEG decoded whole has a long side of 3999
        sizes = [MAX_DECODED_PIXELS] * (MAX_REPORT_PIXELS // MAX_DECODED_PIXELS) + \
            [MAX_REPORT_PIXELS % MAX_DECODED_PIXELS]
    for amplitude in (96, 48, 24, 12, 0):
        photos = []
        for pixels in (p for p in sizes if p > 0):
            width = math.isqrt(pixels * 4 // 3)
            height = pixels // width
            if fmt == "JPEG":
                width, height = min(width, 3999), min(height, 3999)
            photos.append(encode(noisy(width, height, amplitude), fmt))
        if all(len(p) <= MAX_BYTES for p in photos) and sum(len(p) for p in photos) <= RAW_BUDGET:
            return photos
    raise SystemExit(f"no {fmt} report fits the byte limits")


def png_bomb(width: int, height: int) -> bytes:
    """A real decompression bomb: a valid PNG of width × height zeros, a few hundred kilobytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def header_pixels(photo: bytes) -> int:
    if photo.startswith(b"\x89PNG"):  # Pillow will not even open a bomb; the size is in the IHDR chunk
        width, height = struct.unpack(">II", photo[16:24])
        return width * height
    with Image.open(io.BytesIO(photo)) as image:
        return image.width * image.height


def worker_time(photos: list[bytes]) -> tuple[float, str]:
    """What the worker does with a report's photos before the database: seconds, and the outcome."""
    bodies = [base64.b64encode(p).decode() for p in photos]
    started = time.perf_counter()
    raw = [base64.b64decode(b, validate=True) for b in bodies]
    for photo in raw:
        hashlib.sha256(photo).hexdigest()
    try:
        clean_photos(raw)
        outcome = "accepted"
    except PhotoRejected as exc:
        outcome = f"refused ({exc})"
    return time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="times each case is run; the worst is printed")
    args = parser.parse_args()

    print(f"caps: {MAX_DECODED_PIXELS / 1e6:g} MP decoded a photo, {MAX_REPORT_PIXELS / 1e6:g} MP a report, "
          f"{MAX_BYTES // 2**20} MB a photo, {API_BODY_LIMIT // 2**20} MB an API body; worst of {args.runs} runs")
    cases = {f"{fmt}, the most the caps allow": worst_report(fmt) for fmt in ("JPEG", "PNG", "WEBP", "GIF")}
    cases["PNG bomb, 20000 x 20000 zeros"] = [png_bomb(20_000, 20_000)]
    over = math.isqrt(MAX_REPORT_PIXELS // 2) + 1
    cases["PNG, two photos one pixel row over the report cap"] = [encode(noisy(over, over, 0), "PNG")] * 2
    cases["JPEG, 48 MP phone photo (decoded at 1/4)"] = [encode(noisy(8000, 6000, 0), "JPEG")]
    cases["WEBP, a 12 MP photo (weighs 36 MP)"] = [encode(noisy(4000, 3000, 0), "WEBP")]

    print(f"\n{'report':<52} {'photos':>6} {'MB':>6} {'MP':>6} {'seconds':>8}  outcome")
    worst_accepted = 0.0
    for name, photos in cases.items():
        pixels = sum(header_pixels(p) for p in photos)
        runs = [worker_time(photos) for _ in range(args.runs)]
        seconds = max(t for t, _ in runs)
        outcome = runs[0][1]
        if outcome == "accepted":
            worst_accepted = max(worst_accepted, seconds)
        megabytes = sum(len(p) for p in photos) / 2**20
        print(f"{name:<52} {len(photos):>6} {megabytes:>6.1f} {pixels / 1e6:>6.1f} {seconds:>8.3f}  {outcome}")
    print(f"\nworst case of worker time for one report's photos: {worst_accepted:.2f} s")


if __name__ == "__main__":
    main()
