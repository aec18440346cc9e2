"""A number no column can hold — beyond int64 or the column's range, negative where a count cannot be, NaN or
infinite, a NUL character in a text — rejects that one event naming the field; the batch's good events still
apply, on SQLite and PostgreSQL alike (the database is never asked to store it)."""

import json

import pytest
from django.test import Client

from advocate.commerce.models import Order, Payment, Product
from advocate.conftest import NORTHWIND

pytestmark = pytest.mark.django_db

NAN, INF = float("nan"), float("inf")


def stock(shop, quantity):
    return shop.event("stock.changed", {"seller_id": NORTHWIND["id"], "sku": "MUG-SET", "quantity": quantity})


def payment(shop, amount):
    return shop.event("payment.captured", {"order_id": "A-1", "amount": amount, "method": "card"})


def chargeback(shop, amount):
    return shop.event("payment.chargeback", {"order_id": "A-1", "amount": amount})


def line(shop, **changes):
    return shop.order_placed("A-BAD", lines=[{"sku": "MUG-SET", "title": "Mugs", "quantity": 1, "unit_price": "9.00",
                                              **changes}])


BAD = {
    "stock beyond int32": (lambda shop: stock(shop, 2**31), "data.quantity"),
    "stock beyond int64": (lambda shop: stock(shop, 2**63), "data.quantity"),
    "stock of 30 digits": (lambda shop: stock(shop, 10**30), "data.quantity"),
    "negative stock": (lambda shop: stock(shop, -1), "data.quantity"),
    "NaN stock": (lambda shop: stock(shop, NAN), "data.quantity"),
    "infinite stock": (lambda shop: stock(shop, INF), "data.quantity"),
    "fractional stock": (lambda shop: stock(shop, 1.5), "data.quantity"),
    "payment beyond the column": (lambda shop: payment(shop, "10000000000.00"), "data.amount"),
    "payment of 400 digits": (lambda shop: payment(shop, "1e400"), "data.amount"),
    "negative payment": (lambda shop: payment(shop, "-5.00"), "data.amount"),
    "NaN payment": (lambda shop: payment(shop, NAN), "data.amount"),
    "NaN payment as text": (lambda shop: payment(shop, "NaN"), "data.amount"),
    "infinite payment": (lambda shop: payment(shop, "Infinity"), "data.amount"),
    "integer payment beyond int64": (lambda shop: payment(shop, 2**70), "data.amount"),
    "NaN chargeback": (lambda shop: chargeback(shop, NAN), "data.amount"),
    "chargeback beyond the column": (lambda shop: chargeback(shop, 10**20), "data.amount"),
    "line quantity beyond int64": (lambda shop: line(shop, quantity=2**63), "data.lines.0.quantity"),
    "negative line quantity": (lambda shop: line(shop, quantity=-3), "data.lines.0.quantity"),
    "NaN unit price": (lambda shop: line(shop, unit_price=NAN), "data.lines.0.unit_price"),
    "NaN total": (lambda shop: {**line(shop), "data": {**line(shop)["data"], "total": NAN}}, "data.total"),
    "NUL in a text": (lambda shop: line(shop, title="Mu\x00gs"), "data.lines.0.title"),
    "NUL in the event's id": (lambda shop: {**stock(shop, 3), "id": "evt-\x00"}, "id"),
}


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_an_out_of_range_number_rejects_only_its_event(shop, integration_key, bad):
    make, field = bad
    batch = [shop.order_placed("A-1"), make(shop), stock(shop, 7), payment(shop, "64.00")]

    response = Client().post("/api/v1/events", data=json.dumps(batch), content_type="application/json",
                             headers={"authorization": f"Bearer {integration_key}"})

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "applied"], results
    assert field in {e["field"] for e in results[1]["errors"]}, results[1]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["A-1"]
    assert Product.objects.get(sku="MUG-SET").stock == 7
    assert Payment.objects.get().amount == 64
