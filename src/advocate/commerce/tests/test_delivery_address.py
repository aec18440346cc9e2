"""Who sees an order's delivery address, and how much of it."""

import pytest

pytestmark = pytest.mark.django_db

ADDRESS = ("Flat 2, 12 Acacia Avenue, London — call Anna on +44 7911 123456 or anna.r@example.com, "
           "see maps.example.com/x")


def page_of(client, order_id):
    response = client.get(f"/orders/{order_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_seller_who_ships_sees_the_address_without_ways_around_the_marketplace(shop, login, northwind_user, alice):
    shop.send(shop.order_placed("N-1", ship_to=ADDRESS, fulfilled_by="seller"))
    seller_page = page_of(login(northwind_user), "N-1")
    assert "Flat 2, 12 Acacia Avenue, London" in seller_page
    for detail in ("7911", "123456", "anna.r@example.com", "maps.example.com"):
        assert detail not in seller_page, detail
    assert "[phone hidden]" in seller_page and "[email hidden]" in seller_page and "[link hidden]" in seller_page
    # The buyer's own page shows the address as they gave it.
    assert "+44 7911 123456" in page_of(login(alice), "N-1")


def test_a_seller_sees_no_address_when_the_marketplace_ships(shop, login, northwind_user, alice, associate):
    shop.send(shop.order_placed("N-2", ship_to=ADDRESS, fulfilled_by="platform"))
    seller_page = page_of(login(northwind_user), "N-2")
    assert "Acacia" not in seller_page and "Delivering to" not in seller_page
    assert "Acacia Avenue" in page_of(login(alice), "N-2")
    assert "anna.r@example.com" in page_of(login(associate), "N-2")
