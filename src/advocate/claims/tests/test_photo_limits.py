"""What one report's photos may cost a worker: the pixels each photo and all of them together would decode are
read from the headers and refused before anything is decoded; a JPEG is counted at the scale it is decoded
at; a replayed report never looks at its photos again; a body past the size limit is refused (413) from its
Content-Length, before it is read."""

import base64
import io
import json
import struct
import zlib

import pytest
from django.test import Client
from PIL import Image

from advocate.claims.models import ProblemReport
from advocate.claims.photos import (
    MAX_DECODED_PIXELS,
    MAX_REPORT_PIXELS,
    PhotoRejected,
    clean_photos,
    decoded_pixels,
)
from advocate.claims.tests.test_api import as_shop, post
from advocate.claims.tests.test_api import delivered as delivered  # the fixture
from advocate.conftest import ALICE


def image(fmt: str, width: int, height: int, mode: str = "L") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 128).save(out, fmt)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width × height: the header of a decompression bomb, without the bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_from_its_header():
    with pytest.raises(PhotoRejected) as refused:
        clean_photos([png_header_only(100_000, 100_000)])
    assert str(refused.value) == "too_large"


def test_one_photo_past_the_pixel_cap_is_refused_before_decoding():
    too_many = image("PNG", 4100, 3100)  # 12.7 MP, all of which a PNG decodes
    assert decoded_pixels(too_many) == 4100 * 3100 > MAX_DECODED_PIXELS
    with pytest.raises(PhotoRejected) as refused:
        clean_photos([too_many])
    assert str(refused.value) == "too_many_pixels"


def test_photos_past_the_reports_cap_together_are_refused_though_each_would_pass():
    photo = image("PNG", 3000, 3000)  # 9 MP
    assert len(clean_photos([photo])) == 1
    assert 2 * decoded_pixels(photo) > MAX_REPORT_PIXELS
    with pytest.raises(PhotoRejected) as refused:
        clean_photos([photo, photo])
    assert str(refused.value) == "too_many_pixels"


def test_a_large_jpeg_is_counted_and_decoded_at_the_scale_it_is_kept_at():
    photo = image("JPEG", 8000, 6000, mode="RGB")  # a 48 MP phone photo
    assert decoded_pixels(photo) == 2000 * 1500  # libjpeg decodes it at 1/4
    with Image.open(io.BytesIO(clean_photos([photo])[0])) as kept:
        assert kept.size == (2000, 1500)


# --- through the API ---------------------------------------------------------------------------------------


def damaged(*photos: bytes) -> dict:
    return {"problem": "damaged", "reason": "arrived_damaged", "items": [{"sku": "LAMP-01", "quantity": 1}],
            "photos": [{"content_base64": base64.b64encode(p).decode()} for p in photos]}


@pytest.mark.django_db
def test_a_report_whose_photos_decode_too_many_pixels_is_refused_and_records_nothing(delivered, integration_key):
    response = post(Client(), "/api/v1/orders/A-1/problems", damaged(image("PNG", 4100, 3100)),
                    **as_shop(integration_key, **{"idempotency-key": "pixels-0001"}))

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "too_many_pixels" and response.json()["field"] == "photo"
    assert not ProblemReport.objects.exists()


@pytest.mark.django_db
def test_a_replayed_report_does_not_look_at_its_photos_again(delivered, integration_key, settings):
    body = damaged(image("PNG", 2000, 1500))
    headers = as_shop(integration_key, **{"idempotency-key": "replay-0001"})
    first = post(Client(), "/api/v1/orders/A-1/problems", body, **headers)
    assert first.status_code == 201, first.content

    settings.ADVOCATE_PHOTO_MAX_PIXELS = 1000  # any photo that is looked at now is refused…
    again = post(Client(), "/api/v1/orders/A-1/problems", body, **headers)
    fresh = post(Client(), "/api/v1/orders/A-1/problems", body,
                 **as_shop(integration_key, **{"idempotency-key": "replay-0002"}))

    assert again.status_code == 201 and again.json()["reference"] == first.json()["reference"]  # …not this one
    assert fresh.status_code == 422 and fresh.json()["code"] == "too_many_pixels"


# --- the size of a request ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_api_body_past_the_limit_is_refused_with_413_in_the_apis_error_shape(integration_key, settings):
    body = json.dumps(damaged(b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    response = Client().post("/api/v1/orders/A-1/problems", data=body, content_type="application/json",
                             headers=as_shop(integration_key, **{"idempotency-key": "big-000001"}))

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": "The request is too large: 16 MB at most.",
                                "when": None, "field": None}


@pytest.mark.django_db
def test_an_upload_past_the_limit_is_refused_with_413_before_it_is_read(login, alice, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    upload = SimpleUploadedFile("huge.jpg", b"\xff" * (2 * 1024 * 1024), content_type="image/jpeg")
    response = login(alice).post("/orders/A-1/problem/damaged/", {"photo": upload, "request_key": "k" * 16})

    assert response.status_code == 413
    assert response.content.decode() == "The request is too large: 1 MB at most."
    assert ALICE["id"]  # nothing else to check: no order exists, so reading the body would have been a 404


def test_a_webps_pixels_weigh_three_times_as_it_decodes_that_much_slower():
    photo = image("WEBP", 3000, 2000)  # 6 MP, weighing 18
    assert decoded_pixels(photo) == 18_000_000
    with pytest.raises(PhotoRejected):
        clean_photos([photo])
    assert len(clean_photos([image("WEBP", 2000, 1500)])) == 1
