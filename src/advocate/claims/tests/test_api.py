"""Self-service through the REST API, as the shop's own front end uses it: signed in as the customer, or as
the shop's back end naming the customer; sellers answer claims; the shop reads what it must carry out."""

import base64
import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from advocate.claims.models import ProblemReport, Refund
from advocate.commerce.models import Instruction
from advocate.conftest import ALICE, BOB, NORTHWIND, PLATFORM

pytestmark = pytest.mark.django_db

MUGS = [{"sku": "MUG-SET", "title": "Ceramic mug set", "quantity": 2, "unit_price": "12.50"},
        {"sku": "LAMP-01", "title": "Desk lamp", "quantity": 1, "unit_price": "39.00"}]


@pytest.fixture
def delivered(shop):
    now = timezone.now()
    shop.send(
        shop.order_placed("A-1", customer=ALICE, seller=PLATFORM, fulfilled_by="platform", lines=MUGS,
                          placed_at=now - timedelta(days=6)),
        shop.payment_captured("A-1", "64.00"),
        shop.shipment_created("A-1", "S-1", shipped_at=now - timedelta(days=5)),
        shop.shipment_delivered("S-1", at=now - timedelta(days=3)),
        *[shop.event("stock.changed", {"seller_id": PLATFORM["id"], "sku": line["sku"], "quantity": 20})
          for line in MUGS],
    )


@pytest.fixture
def lost(shop):
    """Northwind shipped it itself; it never came, and the grace days after the promise are over."""
    now = timezone.now()
    shop.send(
        shop.order_placed("N-1", customer=ALICE, seller=NORTHWIND, fulfilled_by="seller", lines=MUGS,
                          placed_at=now - timedelta(days=14), ship_by=now - timedelta(days=13),
                          promised_latest=now - timedelta(days=5)),
        shop.payment_captured("N-1", "64.00"),
        shop.shipment_created("N-1", "S-N1", shipped_at=now - timedelta(days=13)),
    )


def as_shop(key: str, customer_id: str | None = ALICE["id"], **headers) -> dict:
    base = {"authorization": f"Bearer {key}"}
    if customer_id:
        base["x-advocate-customer"] = customer_id
    return {**base, **headers}


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def test_the_shops_back_end_lists_what_can_be_reported_in_the_customers_language(
        delivered, integration_key, settings):
    from advocate.commerce.models import Customer

    Customer.objects.filter(external_id=ALICE["id"]).update(language="de")
    body = Client().get("/api/v1/orders/A-1/problems", headers=as_shop(integration_key)).json()

    options = {o["problem"]: o for o in body["options"]}
    assert options["return"]["available"] and options["return"]["reasons"] == ["changed_mind", "does_not_fit"]
    assert options["damaged"]["remedies"] == ["refund", "replacement"]
    cancel = options["cancel"]
    assert not cancel["available"] and cancel["why_not"] == "already_delivered"
    assert cancel["message"] and "arrived" not in cancel["message"]  # worded in German, not English
    assert body["requests"] == []


def test_a_report_is_decided_at_once_and_the_same_idempotency_key_returns_it_again(delivered, integration_key):
    client = Client()
    body = {"problem": "return", "reason": "does_not_fit", "items": [{"sku": "MUG-SET", "quantity": 1}]}

    first = post(client, "/api/v1/orders/A-1/problems", body, **as_shop(integration_key, **{"idempotency-key":
                                                                                            "return-0001"}))
    again = post(client, "/api/v1/orders/A-1/problems", body, **as_shop(integration_key, **{"idempotency-key":
                                                                                            "return-0001"}))

    assert first.status_code == 201, first.content
    report = first.json()
    assert report["state"] == "resolved" and report["outcome"] == "refund"
    assert report["message"] == "Refund of £12.50 issued to your card — you do not need to send the item back."
    assert report["refunds"][0]["amount"] == "12.50"
    assert again.status_code == 201 and again.json()["reference"] == report["reference"]
    assert Refund.objects.count() == 1

    followed = Client().get(f"/api/v1/problems/{report['reference']}", headers=as_shop(integration_key)).json()
    assert followed["state"] == "resolved"


def test_what_cannot_be_done_says_why_and_from_when(shop, integration_key):
    now = timezone.now()
    promised = now + timedelta(days=2)
    shop.send(shop.order_placed("A-2", customer=ALICE, seller=NORTHWIND, fulfilled_by="seller",
                                placed_at=now - timedelta(days=2), ship_by=now - timedelta(days=1),
                                promised_latest=promised),
              shop.shipment_created("A-2", "S-2", shipped_at=now - timedelta(days=1)))

    response = post(Client(), "/api/v1/orders/A-2/problems", {"problem": "not_received"},
                    **as_shop(integration_key, **{"idempotency-key": "nr-000001"}))

    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "not_due"
    assert error["when"].startswith((promised + timedelta(days=3)).date().isoformat())
    assert "guarantees" in error["message"]
    assert not ProblemReport.objects.exists()


@pytest.mark.parametrize(("body", "code"), [
    ({"problem": "return", "reason": "does_not_fit", "items": []}, "no_items"),
    ({"problem": "return", "reason": "does_not_fit", "items": [{"sku": "MUG-SET", "quantity": 3}]}, "too_many"),
    ({"problem": "return", "reason": "does_not_fit", "items": [{"sku": "NOPE", "quantity": 1}]}, "unknown_item"),
    ({"problem": "return", "reason": "broken", "items": [{"sku": "MUG-SET", "quantity": 1}]}, "unknown_reason"),
    ({"problem": "teleported"}, "unknown_problem"),
    ({"problem": "damaged", "reason": "defective", "items": [{"sku": "MUG-SET", "quantity": 1}],
      "photos": [{"content_base64": base64.b64encode(b"not a picture").decode()}]}, "not_an_image"),
])
def test_a_malformed_report_is_refused_naming_what_is_wrong_and_records_nothing(delivered, integration_key, body,
                                                                                code):
    response = post(Client(), "/api/v1/orders/A-1/problems", body,
                    **as_shop(integration_key, **{"idempotency-key": "bad-000001"}))

    assert response.status_code == 422 and response.json()["code"] == code
    assert not ProblemReport.objects.exists() and not Refund.objects.exists()


def test_a_photo_arrives_as_base64_and_is_kept_without_its_metadata(delivered, integration_key):
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(image, "PNG")
    body = {"problem": "damaged", "reason": "arrived_damaged", "items": [{"sku": "LAMP-01", "quantity": 1}],
            "remedy": "replacement", "photos": [{"content_base64": base64.b64encode(image.getvalue()).decode()}]}

    response = post(Client(), "/api/v1/orders/A-1/problems", body,
                    **as_shop(integration_key, **{"idempotency-key": "photo-00001"}))

    assert response.status_code == 201, response.content
    photo = ProblemReport.objects.get().photos.get()
    with photo.image.open("rb") as stored, Image.open(stored) as kept:
        assert kept.format == "JPEG" and kept.size == (40, 30) and not kept.getexif()


def test_a_signed_in_customer_uses_their_session_and_must_send_the_csrf_token(delivered, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    body = {"problem": "item_missing", "items": [{"sku": "LAMP-01", "quantity": 1}]}

    refused = post(client, "/api/v1/orders/A-1/problems", body, **{"idempotency-key": "miss-000001"})
    assert refused.status_code in (401, 403)

    client.get("/orders/A-1/")  # sets the CSRF cookie, as the shop's page would
    token = client.cookies["csrftoken"].value
    accepted = post(client, "/api/v1/orders/A-1/problems", body,
                    **{"idempotency-key": "miss-000001", "x-csrftoken": token})
    assert accepted.status_code == 201 and accepted.json()["outcome"] == "refund"


def test_nobody_reaches_another_customers_order_or_report(delivered, integration_key, bob, login):
    from advocate.commerce.models import Customer

    Customer.objects.get_or_create(external_id=BOB["id"], defaults={"name": BOB["name"], "email": BOB["email"]})
    report = post(Client(), "/api/v1/orders/A-1/problems", {"problem": "item_missing",
                                                           "items": [{"sku": "LAMP-01", "quantity": 1}]},
                  **as_shop(integration_key, **{"idempotency-key": "miss-000002"})).json()

    as_bob = as_shop(integration_key, BOB["id"])
    assert Client().get("/api/v1/orders/A-1/problems", headers=as_bob).status_code == 404
    assert Client().get(f"/api/v1/problems/{report['reference']}", headers=as_bob).status_code == 404
    assert login(bob).get(f"/api/v1/problems/{report['reference']}").status_code == 404
    assert post(Client(), "/api/v1/orders/A-1/problems", {"problem": "cancel"},
                **as_bob, **{"idempotency-key": "bob-0000001"}).status_code == 404


def test_the_shops_back_end_must_name_a_known_customer_and_use_a_valid_key(delivered, integration_key):
    assert Client().get("/api/v1/orders/A-1/problems",
                        headers=as_shop(integration_key, None)).status_code == 400
    assert Client().get("/api/v1/orders/A-1/problems",
                        headers=as_shop(integration_key, "cust-nobody")).status_code == 404
    assert Client().get("/api/v1/orders/A-1/problems",
                        headers=as_shop("adv_0000_wrong")).status_code == 401


def test_a_seller_answers_a_claim_and_sees_the_buyer_only_by_alias(lost, integration_key, northwind_user, login):
    from advocate.commerce.models import Order
    from advocate.commerce.selectors import buyer_alias

    filed = post(Client(), "/api/v1/orders/N-1/problems", {"problem": "not_received"},
                 **as_shop(integration_key, **{"idempotency-key": "claim-00001"})).json()
    assert filed["state"] == "awaiting_seller" and filed["claim"]["state"] == "awaiting_seller"

    seller = login(northwind_user)
    listed = seller.get("/api/v1/seller/claims")
    assert listed.status_code == 200
    [claim] = listed.json()
    assert claim["buyer"] == buyer_alias(Order.objects.get(external_id="N-1"))
    text = listed.content.decode()
    assert ALICE["name"] not in text and ALICE["email"] not in text and ALICE["phone"] not in text

    refunded = seller.post(f"/api/v1/seller/claims/{claim['reference']}/refund")
    assert refunded.status_code == 200 and refunded.json()["finding"] == "buyer"
    assert Refund.objects.get().paid_by == "seller"
    again = seller.post(f"/api/v1/seller/claims/{claim['reference']}/refund")
    assert again.status_code == 200 and Refund.objects.count() == 1
    too_late = seller.post(f"/api/v1/seller/claims/{claim['reference']}/dispute",
                           data=json.dumps({"statement": "It was delivered."}), content_type="application/json")
    assert too_late.status_code == 409


def test_a_seller_cannot_see_or_answer_another_sellers_claim(lost, integration_key, make_user, login):
    from advocate.commerce.models import Seller

    filed = post(Client(), "/api/v1/orders/N-1/problems", {"problem": "not_received"},
                 **as_shop(integration_key, **{"idempotency-key": "claim-00002"})).json()
    other = make_user("blueheron", "seller", seller=Seller.objects.create(external_id="s-bh", name="Blue Heron"))
    client = login(other)

    assert client.get("/api/v1/seller/claims").json() == []
    assert client.post(f"/api/v1/seller/claims/{filed['reference']}/refund").status_code == 404
    assert not Refund.objects.exists()


def test_the_shop_reads_what_to_carry_out_in_order_and_from_where_it_left_off(delivered, integration_key):
    post(Client(), "/api/v1/orders/A-1/problems",
         {"problem": "damaged", "reason": "arrived_damaged", "remedy": "replacement",
          "items": [{"sku": "MUG-SET", "quantity": 1}]},
         **as_shop(integration_key, **{"idempotency-key": "dmg-0000001"}))
    post(Client(), "/api/v1/orders/A-1/problems",
         {"problem": "item_missing", "items": [{"sku": "LAMP-01", "quantity": 1}]},
         **as_shop(integration_key, **{"idempotency-key": "miss-000003"}))
    key = {"authorization": f"Bearer {integration_key}"}

    assert Client().get("/api/v1/instructions").status_code == 401
    feed = Client().get("/api/v1/instructions", {"limit": 1}, headers=key).json()
    assert [i["kind"] for i in feed["instructions"]] == ["replacement"]
    assert feed["instructions"][0]["payload"]["lines"] == [{"sku": "MUG-SET", "title": "Ceramic mug set",
                                                            "quantity": 1}]
    rest = Client().get("/api/v1/instructions", {"after": feed["next_after"]}, headers=key).json()
    assert [i["kind"] for i in rest["instructions"]] == ["refund"]
    assert rest["instructions"][0]["payload"]["amount"] == "39.00"
    done = Client().get("/api/v1/instructions", {"after": rest["next_after"]}, headers=key).json()
    assert done == {"instructions": [], "next_after": rest["next_after"]}
    assert Instruction.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_feed_never_skips_an_instruction_committed_after_a_later_one_was_read(shop, integration_key):
    """A slow transaction that decided first must not be overtaken: instructions are numbered in commit order."""
    import threading
    import time

    from django.db import connection, transaction

    from advocate.claims import ledger
    from advocate.commerce.models import Order

    shop.send(shop.order_placed("F-1", customer=ALICE, seller=PLATFORM, fulfilled_by="platform"))
    order = Order.objects.get(external_id="F-1")
    decided, release = threading.Event(), threading.Event()

    def slow():
        with transaction.atomic():
            ledger.instruct(key="slow", kind="refund", order=order, payload={})
            decided.set()
            release.wait(10)  # still rendering its email, say
        connection.close()

    def fast():
        with transaction.atomic():
            ledger.instruct(key="fast", kind="refund", order=order, payload={})
        connection.close()

    threads = [threading.Thread(target=slow), threading.Thread(target=fast)]
    threads[0].start()
    assert decided.wait(10)
    threads[1].start()
    time.sleep(0.3)  # the fast one has had every chance to commit first
    key = {"authorization": f"Bearer {integration_key}"}
    first = Client().get("/api/v1/instructions", headers=key).json()
    release.set()
    for thread in threads:
        thread.join()
    rest = Client().get("/api/v1/instructions", {"after": first["next_after"]}, headers=key).json()

    read = [i["payload"] for i in first["instructions"] + rest["instructions"]]
    assert len(read) == 2, f"an instruction was skipped: first {first}, then {rest}"
    assert [i.key for i in Instruction.objects.order_by("sequence")] == ["slow", "fast"]


def test_a_partly_delivered_order_asks_which_items_are_missing_instead_of_refunding_everything(
        shop, integration_key):
    now = timezone.now()
    shop.send(
        shop.order_placed("P-1", customer=ALICE, seller=PLATFORM, fulfilled_by="platform", lines=MUGS,
                          placed_at=now - timedelta(days=12), promised_latest=now - timedelta(days=5)),
        shop.payment_captured("P-1", "64.00"),
        shop.shipment_created("P-1", "P-1a", shipped_at=now - timedelta(days=11)),
        shop.shipment_created("P-1", "P-1b", shipped_at=now - timedelta(days=11)),
        shop.shipment_delivered("P-1a", at=now - timedelta(days=8)),
    )

    refused = post(Client(), "/api/v1/orders/P-1/problems", {"problem": "not_received"},
                   **as_shop(integration_key, **{"idempotency-key": "part-000001"}))
    assert refused.status_code == 409 and refused.json()["code"] == "partly_delivered"
    assert "Something is missing from the parcel" in refused.json()["message"]

    missing = post(Client(), "/api/v1/orders/P-1/problems",
                   {"problem": "item_missing", "items": [{"sku": "LAMP-01", "quantity": 1}]},
                   **as_shop(integration_key, **{"idempotency-key": "part-000002"}))
    assert missing.status_code == 201 and missing.json()["refunds"][0]["amount"] == "39.00"


def test_a_reason_where_none_belongs_is_refused_not_stored(delivered, integration_key):
    response = post(Client(), "/api/v1/orders/A-1/problems",
                    {"problem": "item_missing", "reason": "x" * 24, "items": [{"sku": "LAMP-01", "quantity": 1}]},
                    **as_shop(integration_key, **{"idempotency-key": "reason-0001"}))
    too_long = post(Client(), "/api/v1/orders/A-1/problems",
                    {"problem": "item_missing", "reason": "x" * 40, "items": [{"sku": "LAMP-01", "quantity": 1}]},
                    **as_shop(integration_key, **{"idempotency-key": "reason-0002"}))

    assert response.status_code == 422 and response.json()["code"] == "unknown_reason"
    assert too_long.status_code == 422
    assert not ProblemReport.objects.exists()


def test_the_shops_back_end_is_judged_by_its_key_alone_even_by_a_csrf_enforcing_client(delivered, integration_key):
    """The README's own curl example: a key, no session cookie, no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    answer = post(client, "/api/v1/orders/A-1/problems", {"problem": "return", "reason": "does_not_fit",
                                                          "items": [{"sku": "MUG-SET", "quantity": 1}]},
                  **as_shop(integration_key), **{"idempotency-key": "return-0001"})
    assert answer.status_code == 201, answer.content
    assert Client(enforce_csrf_checks=True).get("/api/v1/orders/A-1/problems",
                                                headers=as_shop(integration_key)).status_code == 200


def test_a_closed_customers_report_through_the_shops_back_end_is_refused_in_json(delivered, integration_key,
                                                                                 alice, operator):
    from advocate.commerce.models import Customer
    from advocate.trust import services as trust
    from advocate.trust.models import ActionKind

    trust.action_take(kind=ActionKind.CUSTOMER_CLOSED, customer=Customer.objects.get(external_id=ALICE["id"]),
                      automated=False, by=operator, statement=trust.Statement(
                          scope="Your customer account", facts="Threats against our staff on 2 November.",
                          rule="Terms of service §9"))
    body = {"problem": "item_missing", "items": [{"sku": "LAMP-01", "quantity": 1}]}

    answer = post(Client(enforce_csrf_checks=True), "/api/v1/orders/A-1/problems", body, **as_shop(integration_key),
                  **{"idempotency-key": "miss-000001"})

    assert answer.status_code == 403, answer.content
    refusal = answer.json()
    assert refusal["code"] == "account_closed"
    assert refusal["message"].startswith("This account is closed. You can read our decision and appeal it")
    assert not ProblemReport.objects.exists() and not Refund.objects.exists()

    # Signed in herself, with her session and a valid CSRF token, the answer is the same.
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/account/decisions/")  # the page a closed customer may still open sets the CSRF cookie
    answer = post(client, "/api/v1/orders/A-1/problems", body,
                  **{"idempotency-key": "miss-000002", "x-csrftoken": client.cookies["csrftoken"].value})
    assert answer.status_code == 403 and answer.json()["code"] == "account_closed"
    assert not ProblemReport.objects.exists()


# --- the same Idempotency-Key with another request -----------------------------------------------------


def png(width: int, height: int, colour=(200, 30, 30)) -> str:
    image = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(image, "PNG")
    return base64.b64encode(image.getvalue()).decode()


def test_the_same_idempotency_key_with_another_body_is_refused_and_changes_nothing(delivered, integration_key):
    headers = as_shop(integration_key, **{"idempotency-key": "reuse-00001"})
    first = post(Client(), "/api/v1/orders/A-1/problems",
                 {"problem": "return", "reason": "does_not_fit", "items": [{"sku": "MUG-SET", "quantity": 1}]},
                 **headers)
    assert first.status_code == 201, first.content

    other = post(Client(), "/api/v1/orders/A-1/problems",
                 {"problem": "return", "reason": "does_not_fit", "items": [{"sku": "MUG-SET", "quantity": 2}]},
                 **headers)

    assert other.status_code == 422, other.content
    error = other.json()
    assert error["code"] == "key_reused" and error["field"] == "Idempotency-Key"
    assert "already used" in error["message"]
    assert ProblemReport.objects.count() == 1 and Refund.objects.count() == 1


def test_the_same_idempotency_key_for_another_order_is_refused(delivered, shop, integration_key):
    now = timezone.now()
    shop.send(shop.order_placed("A-2", customer=ALICE, seller=PLATFORM, fulfilled_by="platform", lines=MUGS,
                                placed_at=now - timedelta(days=6)),
              shop.payment_captured("A-2", "64.00"),
              shop.shipment_created("A-2", "S-2", shipped_at=now - timedelta(days=5)),
              shop.shipment_delivered("S-2", at=now - timedelta(days=3)))
    body = {"problem": "item_missing", "items": [{"sku": "LAMP-01", "quantity": 1}]}
    headers = as_shop(integration_key, **{"idempotency-key": "reuse-00002"})

    assert post(Client(), "/api/v1/orders/A-1/problems", body, **headers).status_code == 201
    other = post(Client(), "/api/v1/orders/A-2/problems", body, **headers)

    assert other.status_code == 422 and other.json()["code"] == "key_reused"
    assert list(ProblemReport.objects.values_list("order__external_id", flat=True)) == ["A-1"]


def test_the_same_key_and_request_with_items_in_another_order_returns_the_first_report(delivered, integration_key):
    headers = as_shop(integration_key, **{"idempotency-key": "reuse-00003"})
    items = [{"sku": "MUG-SET", "quantity": 1}, {"sku": "LAMP-01", "quantity": 1}]
    first = post(Client(), "/api/v1/orders/A-1/problems", {"problem": "item_missing", "items": items}, **headers)
    again = post(Client(), "/api/v1/orders/A-1/problems", {"problem": "item_missing", "items": items[::-1]},
                 **headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"] and ProblemReport.objects.count() == 1


def test_the_same_key_with_another_photo_is_refused_and_with_the_same_photo_is_the_first_report(
        delivered, integration_key):
    headers = as_shop(integration_key, **{"idempotency-key": "reuse-00004"})
    body = {"problem": "damaged", "reason": "arrived_damaged", "items": [{"sku": "LAMP-01", "quantity": 1}],
            "remedy": "refund", "photos": [{"content_base64": png(40, 30)}]}
    first = post(Client(), "/api/v1/orders/A-1/problems", body, **headers)
    assert first.status_code == 201, first.content

    same = post(Client(), "/api/v1/orders/A-1/problems", body, **headers)
    other = post(Client(), "/api/v1/orders/A-1/problems",
                 {**body, "photos": [{"content_base64": png(40, 30, (10, 200, 10))}]}, **headers)

    assert same.status_code == 201 and same.json()["reference"] == first.json()["reference"]
    assert other.status_code == 422 and other.json()["code"] == "key_reused"
    assert ProblemReport.objects.get().photos.count() == 1
