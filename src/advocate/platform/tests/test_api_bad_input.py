"""Input no database column can hold, through the API and the pages: a NUL character in a path, a query, a
header or a JSON text. Refused as the request's fault (4xx), never a server error — PostgreSQL cannot store
or even compare a NUL, SQLite can; both are run."""

import json

import pytest
from django.test import Client

from advocate.claims.models import ProblemReport
from advocate.claims.tests.test_api import as_shop, post
from advocate.claims.tests.test_api import delivered as delivered  # the fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/orders/A%00-1/problems", "/api/v1/problems/P%00X",
                                 "/api/v1/orders/A-1/problems?x=%00"])
def test_a_nul_in_an_api_path_or_query_is_refused(delivered, integration_key, url):
    response = Client().get(url, headers=as_shop(integration_key))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_request"


def test_a_nul_in_a_header_is_refused(delivered, integration_key):
    response = Client().get("/api/v1/orders/A-1/problems", headers=as_shop(integration_key, customer_id="c\x00"))
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("url", ["/orders/A%00/", "/orders/?page=%00", "/problems/P%00/"])
def test_a_nul_in_a_pages_address_is_refused(login, alice, url):
    assert login(alice).get(url).status_code == 400


@pytest.mark.parametrize("body", [
    {"problem": "item_missing", "items": [{"sku": "LAMP-01", "quantity": 1}], "comment": "gone\x00"},
    {"problem": "item_missing", "items": [{"sku": "LAMP\x00", "quantity": 1}]},
    {"problem": "item\x00missing"},
])
def test_a_nul_in_a_json_text_is_refused_naming_the_field(delivered, integration_key, body):
    response = post(Client(), "/api/v1/orders/A-1/problems", body,
                    **as_shop(integration_key, **{"idempotency-key": "nul-0000001"}))

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid" and "NUL" in response.json()["message"]
    assert not ProblemReport.objects.exists()


def test_a_nul_in_a_sellers_message_is_refused(northwind_user):
    from advocate.conftest import BrowserClient

    client = BrowserClient()
    client.force_login(northwind_user)
    response = client.post("/api/v1/seller/orders/N-1/messages", data=json.dumps({"text": "hi\x00"}),
                           content_type="application/json", headers={"Idempotency-Key": "nul-0000002"})
    assert response.status_code == 422, response.content
