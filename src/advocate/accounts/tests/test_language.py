"""A person's chosen language is remembered on their account and follows them to their next session."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from advocate.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(username: str, **headers) -> Client:
    client = Client(headers=headers)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    return client


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


GERMAN_WEEKDAYS = {"Monday": "Montag", "Tuesday": "Dienstag", "Wednesday": "Mittwoch", "Thursday": "Donnerstag",
                   "Friday": "Freitag", "Saturday": "Samstag", "Sunday": "Sonntag"}


def test_the_language_a_customer_picks_is_used_on_their_next_session(alice, shop, post_events):
    ship_by = timezone.now() + timedelta(days=3)
    post_events([shop.order_placed("A-1", ship_by=ship_by)])
    first_session = sign_in("alice")

    response = first_session.post("/i18n/setlang/", {"language": "de", "next": "/orders/A-1/"})

    assert response.status_code == 302 and response["Location"] == "/orders/A-1/"
    alice.refresh_from_db()
    assert alice.language == "de"

    # Another device: no cookies, a browser that asks for English. The remembered choice wins.
    next_session = sign_in("alice", accept_language="en-GB,en;q=0.9")
    page = next_session.get("/orders/A-1/")
    assert 'lang="de"' in html_tag(page)
    day = GERMAN_WEEKDAYS[ship_by.astimezone(ZoneInfo(alice.time_zone)).strftime("%A")]
    assert day in page.content.decode(), "the status sentence does not name the day in German"


def test_choosing_arabic_turns_the_next_session_right_to_left(alice):
    sign_in("alice").post("/i18n/setlang/", {"language": "ar", "next": "/orders/"})

    tag = html_tag(sign_in("alice").get("/orders/"))

    assert 'lang="ar"' in tag and 'dir="rtl"' in tag


def test_an_unsupported_language_is_ignored_and_the_remembered_one_kept(alice):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    client = sign_in("alice")

    response = client.post("/i18n/setlang/", {"language": "klingon", "next": "/orders/"})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "fr"
    assert 'lang="fr"' in html_tag(client.get("/orders/"))


def test_someone_not_signed_in_can_switch_language_for_this_browser(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert 'lang="es"' in html_tag(client.get("/accounts/login/"))


def test_the_language_switch_never_redirects_to_another_site(alice):
    client = sign_in("alice")

    response = client.post("/i18n/setlang/", {"language": "ja", "next": "https://evil.example/phish"})

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    alice.refresh_from_db()
    assert alice.language == "ja"


def test_the_language_switch_only_accepts_post(client):
    assert client.get("/i18n/setlang/", {"language": "de"}).status_code == 405
