"""Signing in and out with a real password, as a person does at the sign-in page."""

import pytest

from advocate.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_customer_signs_in_and_lands_on_their_orders(alice, client):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/orders/"
    assert response.status_code == 200 and response.context["user"] == alice


def test_a_wrong_password_is_explained_and_signs_nobody_in(alice, client):
    response = client.post("/accounts/login/", {"username": "alice", "password": "not-the-password"})

    assert response.status_code == 200
    assert "That username and password did not match." in response.content.decode()
    assert client.get("/orders/")["Location"].startswith("/accounts/login/")


def test_a_signed_in_person_is_not_shown_the_sign_in_form_again(alice, login):
    assert login(alice).get("/accounts/login/")["Location"] == "/"


def test_signing_out_ends_the_session(alice, login):
    client = login(alice)

    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/orders/")["Location"].startswith("/accounts/login/")


def test_after_signing_in_a_person_returns_to_the_page_they_asked_for(alice, client):
    asked = client.get("/orders/A-1/")
    assert asked["Location"] == "/accounts/login/?next=/orders/A-1/"

    response = client.post("/accounts/login/?next=/orders/A-1/",
                           {"username": "alice", "password": PASSWORD, "next": "/orders/A-1/"})

    assert response["Location"] == "/orders/A-1/"
