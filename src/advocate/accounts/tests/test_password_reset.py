"""Staff and sellers sign in with a password, and choose a new one by email (Django's reset views, the email
through our outbound mail). A customer who signs in by link has no password to reset: nothing is sent."""

import re

import pytest

from advocate.conftest import PASSWORD
from advocate.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


def reset(client, user, new_password="a-brand-new-password-77"):
    client.get("/accounts/password-reset/")
    response = client.post("/accounts/password-reset/", {"email": user.email.upper()})
    assert response.status_code == 302 and response.url == "/accounts/password-reset/sent/"
    email = OutboundEmail.objects.get(to=user.email)
    path = re.search(r"http://\S+?(/accounts/password-reset/\S+/)", email.body).group(1)
    form = client.get(path, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302 and done.url == "/accounts/password-reset/done/"
    return email


@pytest.mark.parametrize("person", ["associate", "northwind_user", "operator"])
def test_staff_and_sellers_choose_a_new_password_by_email_and_sign_in_with_it(client, request, person):
    user = request.getfixturevalue(person)
    reset(client, user)
    client.get("/accounts/login/")
    old = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert old.status_code == 200  # the old password no longer works
    new = client.post("/accounts/login/", {"username": user.username, "password": "a-brand-new-password-77"})
    assert new.status_code == 302


def test_a_reset_link_works_once(client, associate):
    email = reset(client, associate)
    path = re.search(r"http://\S+?(/accounts/password-reset/\S+/)", email.body).group(1)
    page = client.get(path, follow=True)
    assert 'name="new_password1"' not in page.content.decode() and "no longer works" in page.content.decode()


def test_a_customer_without_a_password_gets_no_reset_email(client, make_user):
    customer = make_user("link-customer", "customer")
    customer.set_unusable_password()
    customer.save()
    client.get("/accounts/password-reset/")
    response = client.post("/accounts/password-reset/", {"email": customer.email})
    assert response.status_code == 302  # the same answer
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert unknown.status_code == 302 and unknown.url == response.url
    assert not OutboundEmail.objects.exists()
