"""Integration keys as an operator manages them and as the shop's (or a seller's) systems use them: each key
may do only what its scopes allow; it can be rotated without a gap, revoked at once, and the Operations page
says when it was last used. Systems call with a plain CSRF-enforcing client and no cookie, as they do."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from advocate.commerce import services
from advocate.commerce.models import Integration
from advocate.conftest import ALICE, NORTHWIND

pytestmark = pytest.mark.django_db


def system() -> Client:
    """Another program: no browser, no cookies, Django's CSRF check enforced."""
    return Client(enforce_csrf_checks=True)


def bearer(key: str, **more) -> dict:
    return {"authorization": f"Bearer {key}", **more}


def shown_key(response) -> str:
    """The new key on the page the operator lands on after the change (it is shown there once)."""
    assert response.redirect_chain == [("/operations/", 302)] and response.status_code == 200
    return re.search(r'<code id="new-key">([^<]+)</code>', response.content.decode()).group(1)


def create_on_page(client, **form) -> str:
    return shown_key(client.post("/operations/", form, follow=True))


def test_a_new_key_is_shown_once_and_reloading_the_page_changes_nothing(operator, login):
    client = login(operator)
    key = create_on_page(client, name="warehouse", scopes=["events"])
    assert key.startswith("adv_")
    reloaded = client.get("/operations/").content.decode()
    assert key not in reloaded and 'id="new-key"' not in reloaded
    assert Integration.objects.count() == 1


def send_event(key: str, shop, order_id: str = "W-1"):
    return system().post("/api/v1/events", data=json.dumps([shop.order_placed(order_id)]),
                         content_type="application/json", headers=bearer(key))


def test_a_key_may_do_only_what_its_scopes_allow(operator, login, shop, alice):
    key = create_on_page(login(operator), name="warehouse", scopes=["events"])

    assert send_event(key, shop).json()["applied"] == 1
    feed = system().get("/api/v1/instructions", headers=bearer(key))
    assert feed.status_code == 403
    assert feed.json()["code"] == "scope" and "'instructions'" in feed.json()["message"]
    acting = system().get("/api/v1/orders/W-1/problems", headers=bearer(key, **{"x-advocate-customer": ALICE["id"]}))
    assert acting.status_code == 403 and "'customers'" in acting.json()["message"]
    # A session cookie does not widen a key: the request is judged by its key alone.
    signed_in = login(alice)
    assert signed_in.get("/api/v1/instructions", headers=bearer(key)).status_code == 403


def test_the_operator_must_choose_at_least_one_scope_and_a_seller_login_for_the_seller_api(operator, login,
                                                                                          alice):
    client = login(operator)

    none = client.post("/operations/", {"name": "nothing"})
    seller_without_login = client.post("/operations/", {"name": "s", "scopes": ["seller"], "acts_as": "alice"})

    assert none.status_code == 422 and "at least one" in none.content.decode()
    assert seller_without_login.status_code == 422 and "seller login" in seller_without_login.content.decode()
    # What was typed stays in the form.
    assert 'value="alice"' in seller_without_login.content.decode()
    assert not Integration.objects.exists()


def test_a_seller_key_acts_as_that_sellers_login_without_a_csrf_token(operator, login, shop, alice,
                                                                       northwind_user, make_user):
    from advocate.commerce.models import Seller

    shop.send(shop.order_placed("N-1", customer=ALICE, seller=NORTHWIND))
    shop.send(shop.order_placed("H-1", customer=ALICE, seller={"id": "seller-heron", "name": "Heron"}))
    make_user("heron", "seller", seller=Seller.objects.get(external_id="seller-heron"))
    key = create_on_page(login(operator), name="northwind-erp", scopes=["seller"], acts_as="northwind")

    sent = system().post("/api/v1/seller/orders/N-1/messages", data=json.dumps({"text": "Thanks for your order!"}),
                         content_type="application/json", headers=bearer(key, **{"Idempotency-Key": "erp-00001"}))

    assert sent.status_code == 201, sent.content
    threads = system().get("/api/v1/seller/messages", headers=bearer(key)).json()
    assert [t["order_id"] for t in threads] == ["N-1"]
    # Only that seller's orders; and a seller key is not the shop's back end.
    other = system().post("/api/v1/seller/orders/H-1/messages", data=json.dumps({"text": "Hi"}),
                          content_type="application/json", headers=bearer(key, **{"Idempotency-Key": "erp-00002"}))
    assert other.status_code == 404
    assert send_event(key, shop, "X-1").status_code == 403
    # When the login stops being an active seller, the key stops acting for it.
    northwind_user.is_active = False
    northwind_user.save()
    assert system().get("/api/v1/seller/messages", headers=bearer(key)).status_code == 403


def test_rotating_keeps_the_old_key_for_the_grace_time_chosen(operator, login, shop):
    client = login(operator)
    old = create_on_page(client, name="warehouse", scopes=["events"])
    integration = Integration.objects.get()

    response = client.post(f"/operations/integrations/{integration.pk}/rotate/", {"grace": str(3600)}, follow=True)

    new = shown_key(response)
    assert new != old
    assert "works until" in response.content.decode()
    assert send_event(new, shop, "R-1").status_code == 200
    assert send_event(old, shop, "R-2").status_code == 200
    # An hour later only the new key works.
    integration.refresh_from_db()
    later = timezone.now() + timedelta(hours=1, seconds=1)
    assert services.integration_authenticate(old, now=later) is None
    assert services.integration_authenticate(new, now=later) == integration


def test_rotating_with_no_grace_stops_the_old_key_at_once(operator, login, shop):
    client = login(operator)
    old = create_on_page(client, name="warehouse", scopes=["events"])
    integration = Integration.objects.get()

    client.post(f"/operations/integrations/{integration.pk}/rotate/", {"grace": "0"})

    assert send_event(old, shop).status_code == 401
    assert client.post(f"/operations/integrations/{integration.pk}/rotate/", {"grace": "12345"}).status_code == 302


def test_revoking_stops_the_key_and_its_predecessor_at_once(operator, login, shop):
    client = login(operator)
    old = create_on_page(client, name="warehouse", scopes=["events"])
    integration = Integration.objects.get()
    new = shown_key(client.post(f"/operations/integrations/{integration.pk}/rotate/", {"grace": str(86400)},
                                follow=True))

    response = client.post(f"/operations/integrations/{integration.pk}/revoke/", follow=True)

    assert "no longer works" in response.content.decode()
    assert send_event(new, shop).status_code == 401
    assert send_event(old, shop).status_code == 401
    page = client.get("/operations/").content.decode()
    assert "revoked" in page and f"/operations/integrations/{integration.pk}/rotate/" not in page


def test_the_operations_page_says_when_each_key_was_last_used(operator, login, shop):
    client = login(operator)
    key = create_on_page(client, name="warehouse", scopes=["events"])
    page = client.get("/operations/").content.decode()
    assert re.search(r"Last used</dt><dd>never", page)

    send_event(key, shop)

    integration = Integration.objects.get()
    assert integration.last_used_at is not None
    page = client.get("/operations/").content.decode()
    assert not re.search(r"Last used</dt><dd>never", page)


def test_only_operators_rotate_or_revoke(operator, login, associate, northwind_user, alice, shop):
    key = create_on_page(login(operator), name="warehouse", scopes=["events"])
    integration = Integration.objects.get()
    for person in (alice, associate, northwind_user):
        for action in ("rotate", "revoke"):
            response = login(person).post(f"/operations/integrations/{integration.pk}/{action}/", {"grace": "0"})
            assert response.status_code in (302, 403) and "adv_" not in response.content.decode()
    assert send_event(key, shop).status_code == 200


def test_the_command_creates_a_key_with_the_scopes_asked_for(northwind_user, shop):
    out = StringIO()
    call_command("create_integration", "northwind-erp", "--scope", "seller", "--acts-as", "northwind", stdout=out)

    key = out.getvalue().strip().splitlines()[-1]
    assert "scopes: seller" in out.getvalue()
    assert system().get("/api/v1/seller/messages", headers=bearer(key)).status_code == 200
    assert send_event(key, shop).status_code == 403
    with pytest.raises(CommandError, match="seller login"):
        call_command("create_integration", "broken", "--scope", "seller", stdout=StringIO())

    shop_out = StringIO()
    call_command("create_integration", "shop-backend", stdout=shop_out)
    assert "scopes: events, instructions, customers" in shop_out.getvalue()
