"""Absurd numbers in a page's address — a page number past int64, negative or not a number, a row id of 30
digits — are read as the nearest sensible value or not found; never a server error, on either database."""

import pytest
from django.test import Client

from advocate.conftest import BrowserClient

pytestmark = pytest.mark.django_db

ABSURD_PAGES = ["999999999999", "99999999999999999999999999", "-3", "0", "abc", "1e9", "%E2%85%A0", "9" * 5000]


@pytest.mark.parametrize("page", ABSURD_PAGES)
def test_the_order_list_clamps_any_page_number(login, alice, shop, page):
    shop.send(shop.order_placed("A-1"))
    response = login(alice).get(f"/orders/?page={page}")
    assert response.status_code == 200


@pytest.mark.parametrize("page", ABSURD_PAGES)
def test_a_sellers_message_threads_clamp_any_page_number(login, northwind_user, page):
    assert login(northwind_user).get(f"/seller/messages/?page={page}").status_code == 200


@pytest.mark.parametrize("page", ABSURD_PAGES)
def test_the_staff_flag_list_clamps_any_page_number(login, associate, page):
    assert login(associate).get(f"/service/flagged-messages/?page={page}").status_code == 200


@pytest.mark.parametrize("page", ["999999999999", "99999999999999999999999999", "-3", "0"])
def test_the_api_clamps_a_page_number(northwind_user, page):
    client = Client()
    client.force_login(northwind_user)
    response = client.get(f"/api/v1/seller/messages?page={page}")
    assert response.status_code == 200 and response.json() == []


def test_the_api_names_a_page_that_is_not_a_number_without_a_server_error(northwind_user):
    client = Client()
    client.force_login(northwind_user)
    assert client.get("/api/v1/seller/messages?page=abc").status_code == 422


@pytest.mark.parametrize("url", [
    "/service/conversations/99999999999999999999999999/",
    "/operations/appeals/99999999999999999999/",
    "/problems/P-1/photos/99999999999999999999999/",
    "/service/conversations/?after=2026-01-01T00:00:00%2B00:00~99999999999999999999999",
    "/service/conversations/?after=2026-01-01T00:00:00~1",
])
def test_a_row_id_no_column_holds_is_not_found_never_a_server_error(login, operator, url):
    assert login(operator).get(url).status_code in (200, 404)


def test_an_api_row_id_no_column_holds_is_refused_without_a_server_error(northwind_user):
    client = BrowserClient()
    client.force_login(northwind_user)
    assert client.get("/api/v1/seller/messages/99999999999999999999999").status_code == 422
    assert client.post("/api/v1/seller/messages/99999999999999999999999", data={"text": "hi"},
                       content_type="application/json",
                       headers={"Idempotency-Key": "thread-00001"}).status_code == 422


def test_an_instruction_cursor_past_int64_is_refused_without_a_server_error(integration_key):
    response = Client().get("/api/v1/instructions?after=99999999999999999999999",
                            headers={"authorization": f"Bearer {integration_key}"})
    assert response.status_code == 422
