"""A signed-in person who opens a page meant for another kind of account is told so, plainly, at once — never
sent round between the page and sign-in (sign-in sends a signed-in person straight on)."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = {
    "customer": ["/callback/"],
    "seller": ["/seller/messages/"],
    "staff": ["/service/conversations/", "/service/callbacks/"],
    "operator": ["/operations/", "/operations/actions/"],
}
MAY_NOT_OPEN = {
    "alice": ["seller", "staff", "operator"],
    "northwind_user": ["staff", "operator"],
    "associate": ["seller", "operator"],
}


@pytest.mark.parametrize("person", sorted(MAY_NOT_OPEN))
def test_a_page_of_another_role_says_it_is_not_for_your_account(person, request, login):
    user = request.getfixturevalue(person)
    client = login(user)
    for kind in MAY_NOT_OPEN[person]:
        for page in PAGES[kind]:
            response = client.get(page, follow=True)
            assert response.redirect_chain == [], (page, response.redirect_chain)
            assert response.status_code == 403, page
            html = response.content.decode()
            assert "This page is not for your account" in html and f"You are signed in as {user.username}" in html


def test_someone_not_signed_in_is_sent_to_sign_in_and_then_to_the_page(client, operator):
    from advocate.conftest import PASSWORD

    response = client.get("/operations/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/operations/"
    signed_in = client.post(response["Location"], {"username": operator.username, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/operations/"


def test_the_page_speaks_the_persons_language(login, alice):
    response = login(alice).get("/operations/", HTTP_ACCEPT_LANGUAGE="ar")
    page = response.content.decode()
    assert response.status_code == 403
    assert 'lang="ar"' in page and 'dir="rtl"' in page
    assert "This page is not for your account" not in page
