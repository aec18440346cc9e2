"""The support phone number is never hidden: every page a person can reach shows it, as a number to call."""

import pytest

from advocate.conftest import ALICE

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0999"


@pytest.fixture(autouse=True)
def support_phone(settings):
    settings.ADVOCATE_SUPPORT_PHONE = PHONE


@pytest.fixture
def an_order(shop, post_events):
    post_events([shop.order_placed("A-1", customer=ALICE)])


def assert_shows_the_phone(response):
    html = response.content.decode()
    assert PHONE in html, response.request["PATH_INFO"]
    assert 'href="tel:+442079460999"' in html, response.request["PATH_INFO"]


def test_the_sign_in_page_shows_the_phone(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert_shows_the_phone(response)


def test_a_failed_sign_in_still_shows_the_phone(client):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    assert response.status_code == 200
    assert_shows_the_phone(response)


@pytest.mark.usefixtures("an_order")
@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("alice", "/orders/"),
        ("alice", "/orders/A-1/"),
        ("northwind_user", "/orders/"),
        ("northwind_user", "/orders/A-1/"),
        ("associate", "/service/customers/?q=alice"),
        ("associate", "/orders/A-1/"),
        ("operator", "/operations/"),
    ],
)
def test_every_signed_in_page_shows_the_phone(request, login, who, path):
    response = login(request.getfixturevalue(who)).get(path)

    assert response.status_code == 200
    assert_shows_the_phone(response)


@pytest.mark.usefixtures("an_order")
def test_an_order_that_cannot_be_found_still_shows_the_phone(bob, login):
    # A customer who mistyped an order number (or followed someone else's link) must not reach a dead end.
    response = login(bob).get("/orders/A-1/")

    assert response.status_code == 404
    assert_shows_the_phone(response)
