"""Every endpoint in the API's schema, through each door the schema says it has, with Django's CSRF check on.

A system calls with its key and no cookie: it is judged by the key alone, never asked for a CSRF token (the
shop's back end cannot have one). A browser calls with its session: a write without the CSRF token is refused.
Nobody is let in without credentials. The list of endpoints comes from the schema, so a new endpoint is
covered the day it is added.
"""

import json
import re

import pytest
from django.test import Client

from advocate.commerce import services
from advocate.conftest import ALICE, BrowserClient
from advocate.platform.api import api

pytestmark = pytest.mark.django_db

WRITES = {"post", "put", "patch", "delete"}
PATH_VALUES = {"order_id": "A-1", "thread_id": "1", "reference": "PR-NONE"}


def operations() -> list[tuple[str, str, set[str]]]:
    schema = api.get_openapi_schema()
    found = []
    for path, by_method in schema["paths"].items():
        for method, operation in by_method.items():
            doors = {name for requirement in operation.get("security", []) for name in requirement}
            found.append((method, re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path), doors))
    return found


OPERATIONS = operations()
KEY_DOORS = {"IntegrationKey", "CustomerKey", "SellerKey"}
WITH_KEYS = [o for o in OPERATIONS if o[2] & KEY_DOORS]
SESSION_WRITES = [o for o in OPERATIONS if o[0] in WRITES and "SessionAuth" in o[2]]


def ids(operations_: list) -> list[str]:
    return [f"{method} {url}" for method, url, _ in operations_]


def call(client: Client, method: str, url: str, **headers):
    headers = {"Idempotency-Key": "door-check-0001", **headers}
    if method in WRITES:
        return getattr(client, method)(url, data=json.dumps({}), content_type="application/json", headers=headers)
    return getattr(client, method)(url, headers=headers)


def is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


@pytest.fixture
def keys(db, northwind_user) -> dict[str, dict]:
    """The headers each key-door needs: the shop's back end (for itself or a customer), a seller's system."""
    _, shop_key = services.integration_create(name="shop", scopes=["events", "instructions", "customers"])
    _, seller_key = services.integration_create(name="seller", scopes=["seller"], acts_as=northwind_user.username)
    return {
        "IntegrationKey": {"authorization": f"Bearer {shop_key}"},
        "CustomerKey": {"authorization": f"Bearer {shop_key}", "X-Advocate-Customer": ALICE["id"]},
        "SellerKey": {"authorization": f"Bearer {seller_key}"},
    }


def test_the_schema_lists_the_endpoints_this_test_walks():
    assert len(OPERATIONS) >= 14 and len(WITH_KEYS) >= 13 and len(SESSION_WRITES) >= 6
    assert all(doors for _, _, doors in OPERATIONS), "an endpoint without authentication"


@pytest.mark.parametrize(("method", "url", "doors"), OPERATIONS, ids=ids(OPERATIONS))
def test_no_credentials_no_entry(method, url, doors):
    response = call(Client(enforce_csrf_checks=True), method, url)
    assert response.status_code == 401, response.content


@pytest.mark.parametrize(("method", "url", "doors"), WITH_KEYS, ids=ids(WITH_KEYS))
def test_a_system_with_its_key_and_no_cookie_is_judged_by_the_key_alone(method, url, doors, keys, alice):
    for door in doors & KEY_DOORS:
        response = call(Client(enforce_csrf_checks=True), method, url, **keys[door])
        assert not is_csrf_refusal(response) and response.status_code not in (401, 403), (door, response.content)
        assert response.status_code < 500


@pytest.mark.parametrize(("method", "url", "doors"), WITH_KEYS, ids=ids(WITH_KEYS))
def test_a_key_beside_a_session_cookie_is_still_judged_by_the_key(method, url, doors, keys, alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    for door in doors & KEY_DOORS:
        response = call(browser, method, url, **keys[door])
        assert not is_csrf_refusal(response) and response.status_code not in (401, 403), (door, response.content)


@pytest.mark.parametrize(("method", "url", "doors"), SESSION_WRITES, ids=ids(SESSION_WRITES))
def test_a_browser_write_needs_the_csrf_token(method, url, doors, alice, northwind_user):
    person = northwind_user if "/seller/" in url else alice
    without_token = Client(enforce_csrf_checks=True)
    without_token.force_login(person)
    with_token = BrowserClient()
    with_token.force_login(person)

    assert is_csrf_refusal(call(without_token, method, url))
    answered = call(with_token, method, url)
    assert not is_csrf_refusal(answered) and answered.status_code not in (401, 403), answered.content
