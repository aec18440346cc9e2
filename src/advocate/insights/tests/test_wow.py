"""WOW stories: an associate tells a moment worth celebrating on the conversation; the team reads it on the wall."""

import pytest

from advocate.cases import services as cases
from advocate.commerce.models import Order

pytestmark = pytest.mark.django_db


def a_conversation(shop, commit):
    shop.send(shop.order_placed("W-1"))
    order = Order.objects.get(external_id="W-1")
    return commit(lambda: cases.contact_form_send(customer=order.customer, subject="A gift for my mother",
                                                  body="It must arrive by Friday.", order=order, request_key="w"))


def test_an_associate_tells_a_wow_moment_and_the_team_reads_it(shop, commit, login, associate, operator):
    conversation = a_conversation(shop, commit)
    client = login(associate)
    page = client.get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert 'id="wow"' in page and "A WOW moment? Tell the team" in page

    story = "Upgraded to express at no cost; the gift arrived Thursday and she wrote to thank us."
    told = client.post(f"/service/conversations/{conversation.pk}/wow/", {"story": story}, follow=True)
    assert told.redirect_chain[-1][0] == f"/service/conversations/{conversation.pk}/"
    assert story in told.content.decode() and "On the WOW wall" in told.content.decode()

    wall = login(operator).get("/operations/insights/wow/").content.decode()
    assert story in wall and associate.username in wall and "A gift for my mother" in wall


def test_an_empty_story_is_refused_and_customers_never_see_the_wall(shop, commit, login, associate, alice):
    conversation = a_conversation(shop, commit)
    refused = login(associate).post(f"/service/conversations/{conversation.pk}/wow/", {"story": "  "}, follow=True)
    assert "Tell what happened" in refused.content.decode()
    assert login(alice).get("/operations/insights/wow/").status_code == 403
    assert login(alice).post(f"/service/conversations/{conversation.pk}/wow/", {"story": "x"}).status_code == 403
