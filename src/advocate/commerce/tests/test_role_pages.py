"""Service associates find any customer and open any order; operators create integrations; nobody else can."""

import re

import pytest

from advocate.commerce.models import Integration, Order
from advocate.conftest import ALICE, BLUE_HERON, BOB

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(shop, post_events):
    post_events([
        shop.order_placed("ALICE-1", customer=ALICE),
        shop.order_placed("BOB-1", customer=BOB, seller=BLUE_HERON),
    ])


def denied(response) -> bool:
    """Refused: sent to sign in (as someone allowed) or forbidden, never shown the page."""
    if response.status_code == 302:
        return response["Location"].startswith("/accounts/login/")
    return response.status_code == 403


# --- service associates ------------------------------------------------------------------------------


@pytest.mark.usefixtures("orders")
def test_an_associate_finds_a_customer_by_email_and_sees_their_orders(associate, login):
    html = login(associate).get("/service/customers/", {"q": ALICE["email"].upper()}).content.decode()

    assert ALICE["name"] in html and ALICE["phone"] in html
    assert 'href="/orders/ALICE-1/"' in html
    assert BOB["name"] not in html


@pytest.mark.usefixtures("orders")
@pytest.mark.parametrize("query", ["BOB-1", BOB["id"], "Quennell"], ids=["order number", "customer id", "name"])
def test_an_associate_finds_a_customer_by_order_number_id_or_name(associate, login, query):
    html = login(associate).get("/service/customers/", {"q": query}).content.decode()

    assert BOB["name"] in html and ALICE["name"] not in html


@pytest.mark.usefixtures("orders")
def test_an_associate_is_told_when_nobody_matches(associate, login):
    response = login(associate).get("/service/customers/", {"q": "nobody@example.com"})

    assert response.status_code == 200
    assert "No customer matches that search." in response.content.decode()


@pytest.mark.usefixtures("orders")
def test_an_associate_opens_any_customers_order(associate, login):
    client = login(associate)

    for order_id in ("ALICE-1", "BOB-1"):
        assert client.get(f"/orders/{order_id}/").status_code == 200
        assert client.get(f"/api/v1/orders/{order_id}").status_code == 200


@pytest.mark.usefixtures("orders")
def test_customers_and_sellers_cannot_search_customers(alice, northwind_user, login, client):
    for person in (alice, northwind_user, None):
        c = login(person) if person else client
        response = c.get("/service/customers/", {"q": BOB["email"]})

        assert denied(response), (person, response.status_code)
        assert BOB["name"] not in response.content.decode()


def test_signing_in_takes_each_person_to_their_own_start_page(alice, associate, operator, northwind_user, login,
                                                             client):
    assert login(alice).get("/")["Location"] == "/orders/"
    assert login(northwind_user).get("/")["Location"] == "/orders/"
    assert login(associate).get("/")["Location"] == "/service/conversations/"
    assert login(operator).get("/")["Location"] == "/service/conversations/"
    assert client.get("/")["Location"].startswith("/accounts/login/")


# --- operators and integrations --------------------------------------------------------------------------


def test_an_operator_creates_an_integration_whose_key_works_against_the_events_api(operator, login, shop,
                                                                                    post_events):
    client = login(operator)

    response = client.post("/operations/", {"name": "warehouse-system", "scopes": ["events"]}, follow=True)

    assert response.status_code == 200
    key = re.search(r'<code id="new-key">([^<]+)</code>', response.content.decode()).group(1)
    intake = post_events([shop.order_placed("W-1")], key=key)
    assert intake.status_code == 200 and intake.json()["applied"] == 1
    assert Order.objects.filter(external_id="W-1").exists()
    # The key is shown once and never stored as such.
    integration = Integration.objects.get(name="warehouse-system")
    assert key not in integration.key_hash
    later = client.get("/operations/").content.decode()
    assert "warehouse-system" in later and key not in later


def test_an_integration_name_used_twice_is_refused_with_a_message(operator, login):
    client = login(operator)
    client.post("/operations/", {"name": "warehouse-system", "scopes": ["events"]})

    response = client.post("/operations/", {"name": "warehouse-system", "scopes": ["events"]})

    assert response.status_code == 422
    html = response.content.decode()
    assert "already exists" in html and 'id="new-key"' not in html
    assert Integration.objects.filter(name="warehouse-system").count() == 1


def test_only_operators_reach_operations_or_create_keys(alice, associate, northwind_user, login, client):
    for person in (alice, associate, northwind_user, None):
        c = login(person) if person else client
        assert denied(c.get("/operations/")), person
        response = c.post("/operations/", {"name": f"sneaky-{person}", "scopes": ["events"]})
        assert denied(response), person
        assert "adv_" not in response.content.decode()
    assert not Integration.objects.exists()


def test_the_operator_sees_how_many_orders_and_events_arrived(operator, login, shop, post_events):
    post_events([shop.order_placed("OPS-1"), shop.order_placed("OPS-2", customer=BOB)])

    html = login(operator).get("/operations/").content.decode()

    assert "order.placed" in html
    assert re.search(r"<dt>Orders</dt><dd>2</dd>", html)
