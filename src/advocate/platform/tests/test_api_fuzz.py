"""Schemathesis over the whole OpenAPI schema, in-process against the real app (WSGI), on the suite's database.

Every operation is called with generated requests, valid ones and deliberately wrong ones (a bounded number of
each), through both doors: the shop's integration key with every scope (acting for a customer, and as a
seller's login), and a customer's browser session with its CSRF token. The test fails on any 5xx, and on any
answer the schema does not document: a status code it does not list, a body that does not match, a wrong
content type. Run it alone with `uv run pytest -m fuzz`; `ADVOCATE_FUZZ_EXAMPLES` sets how many requests of
each kind an operation gets (default 25).
"""

import os
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from advocate.commerce import services
from advocate.conftest import ALICE, NORTHWIND, PLATFORM

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("ADVOCATE_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MUGS = [{"sku": "MUG-SET", "title": "Ceramic mug set", "quantity": 2, "unit_price": "12.50"}]


@pytest.fixture
def marketplace(shop, alice, northwind_user):
    """Something for the requests to find: Alice's delivered orders, one from Northwind."""
    now = timezone.now()
    shop.send(
        shop.order_placed("A-1", customer=ALICE, seller=PLATFORM, fulfilled_by="platform", lines=MUGS,
                          placed_at=now - timedelta(days=6)),
        shop.payment_captured("A-1", "25.00"),
        shop.shipment_created("A-1", "S-1", shipped_at=now - timedelta(days=5)),
        shop.shipment_delivered("S-1", at=now - timedelta(days=3)),
        shop.order_placed("N-1", customer=ALICE, seller=NORTHWIND, lines=MUGS, placed_at=now - timedelta(days=6)),
    )


@pytest.fixture
def api_schema(marketplace):
    # As Django's test client does: the requests share the test's connection (and its transaction), so the
    # end of a request must not close it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def as_the_shop(northwind_user) -> dict:
    _, key = services.integration_create(name="fuzz", scopes=["events", "instructions", "customers", "seller"],
                                         acts_as=northwind_user.username)
    return {"headers": {"Authorization": f"Bearer {key}", "X-Advocate-Customer": ALICE["id"]}, "cookies": {}}


def as_alice_signed_in(alice) -> dict:
    browser = Client()
    browser.force_login(alice)
    token = _get_new_csrf_string()
    return {"headers": {"X-CSRFToken": token},
            "cookies": {settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value,
                        settings.CSRF_COOKIE_NAME: token}}


def with_known_ids(case):
    """The same request about something that exists, so the fuzzing reaches past "not found"."""
    if case.path_parameters and "order_id" in case.path_parameters:
        case.path_parameters["order_id"] = "A-1"
    return case


def fuzz(schema, door: dict) -> tuple[list[str], Counter]:
    """Every operation, every generation mode: the failures, one line each (so one run reports them all), and
    how many answers of each status each operation gave."""
    failures, answers = [], Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(operation, mode, door, answers)
            except Exception as exc:  # collected, then reported together
                failures.append(f"{operation.label} ({mode.value}): {str(exc).strip()[:3000]}")
    return failures, answers


def fuzz_operation(operation, mode: GenerationMode, door: dict, answers: Counter) -> None:
    generated = operation.as_strategy(generation_mode=mode)

    @given(case=st.one_of(generated, generated.map(with_known_ids)))
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_and_validate(headers=door["headers"], cookies=door["cookies"], checks=CHECKS)
        answers[(operation.label, response.status_code)] += 1

    run()


def succeeded(answers: Counter) -> set[str]:
    return {label for (label, status), _ in answers.items() if 200 <= status < 300}


def test_the_shops_key_with_every_scope_gets_only_documented_answers(api_schema, northwind_user):
    failures, answers = fuzz(api_schema, as_the_shop(northwind_user))

    assert not failures, "\n\n".join(failures)
    # The key opened every door: each operation answered a generated request with success at least once.
    assert succeeded(answers) >= {"POST /api/v1/events", "GET /api/v1/instructions",
                                  "GET /api/v1/orders/{order_id}/problems", "GET /api/v1/seller/claims",
                                  "GET /api/v1/seller/messages"}, sorted(answers.items())


def test_a_signed_in_customer_gets_only_documented_answers(api_schema, alice):
    failures, answers = fuzz(api_schema, as_alice_signed_in(alice))

    assert not failures, "\n\n".join(failures)
    assert {"GET /api/v1/orders/{order_id}/problems", "GET /api/v1/orders/{order_id}"} <= succeeded(answers), \
        sorted(answers.items())
