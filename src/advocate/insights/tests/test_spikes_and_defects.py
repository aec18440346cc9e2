"""Spikes found in what really happened (events and customers' reports through the real services), the team
told once, and the root-cause work that follows: a defect opened from the spike, fixed, and proven."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from advocate.claims import services as claims
from advocate.commerce.models import Order, Product
from advocate.insights.models import Defect, Spike, SpikeState
from advocate.insights.services import spikes_detect

pytestmark = pytest.mark.django_db

SOUTHWARD = {"id": "southward", "name": "Southward Goods"}
VASE = [{"sku": "VASE-1", "title": "Glass vase", "quantity": 1, "unit_price": "30.00"}]


def a_week_of_vases_gone_wrong(shop, commit, *, reports=6, days_ago=0):
    """200 ordinary orders over the month before, ten vases delivered that week, and six customers reporting
    their vase is not as described (this week, or `days_ago`)."""
    now = timezone.now() - timedelta(days=days_ago)
    events = [shop.order_placed(f"O-{n}", seller=SOUTHWARD, placed_at=now - timedelta(days=3 + n % 28))
              for n in range(200)]
    for n in range(10):
        placed = now - timedelta(days=6)
        events += [shop.order_placed(f"V-{n}", lines=VASE, placed_at=placed),
                   shop.shipment_created(f"V-{n}", f"SV-{n}", shipped_at=placed + timedelta(days=1)),
                   shop.shipment_delivered(f"SV-{n}", at=now - timedelta(days=2)),
                   shop.payment_captured(f"V-{n}", "30.00")]
    shop.send(*events)
    for n in range(reports):
        order = Order.objects.get(external_id=f"V-{n}")
        commit(lambda order=order, n=n: claims.report_file(
            order=order, customer=order.customer, problem="not_as_described", reason="not_as_described",
            items=[(order.lines.get().pk, 1)], request_key=f"vase-{n}", now=now))
    return Product.objects.get(sku="VASE-1")


def test_a_product_customers_suddenly_report_is_a_spike_and_the_team_is_told_once(shop, commit, settings):
    settings.ADVOCATE_TEAM_EMAIL = "team@advocate.test"
    vase = a_week_of_vases_gone_wrong(shop, commit)
    # The spike windows are whole days: look early enough that an hour and a minute later is still today.
    now = min(timezone.now(), timezone.now().replace(hour=22, minute=0))

    assert commit(lambda: spikes_detect(now=now)) >= 1
    spike = Spike.objects.get(dimension="product", value=str(vase.pk))
    assert (spike.reason, spike.contacts, spike.state) == ("not_as_described", 6, SpikeState.OPEN)
    assert spike.rate > 2 * spike.baseline
    told = [m for m in mail.outbox if m.to == ["team@advocate.test"]]
    assert len(told) == Spike.objects.count(), "one email a spike (the vase's seller and carrier spike with it)"
    about_the_vase = [m for m in told if "Glass vase" in m.subject]
    assert len(about_the_vase) == 1 and "6 contacts" in about_the_vase[0].body

    # Within the hour nothing is looked at again; an hour on, the spike is still there and nobody is told twice.
    assert commit(lambda: spikes_detect(now=now + timedelta(minutes=30))) == 0
    assert commit(lambda: spikes_detect(now=now + timedelta(hours=1, minutes=1))) == 0
    assert Spike.objects.filter(dimension="product", value=str(vase.pk), state=SpikeState.OPEN).count() == 1
    assert len([m for m in mail.outbox if m.to == ["team@advocate.test"]]) == len(told)

    # Three weeks on the week's reports are history: the spike subsides.
    spikes_detect(now=now + timedelta(days=21), force=True)
    spike.refresh_from_db()
    assert spike.state == SpikeState.SUBSIDED


def test_a_few_reports_on_a_busy_product_are_not_a_spike(shop, commit):
    a_week_of_vases_gone_wrong(shop, commit, reports=2)
    spikes_detect(now=timezone.now())
    assert not Spike.objects.exists()


def test_from_spike_to_defect_to_a_fix_proven_by_the_figures(shop, commit, login, associate, alice, operator):
    vase = a_week_of_vases_gone_wrong(shop, commit)
    spikes_detect(now=timezone.now())
    spike = Spike.objects.get(dimension="product", value=str(vase.pk))
    client = login(associate)

    page = client.get("/operations/insights/").content.decode()
    assert f'id="spike-{spike.pk}"' in page and "Glass vase" in page
    assert f"/service/listings/pull/?seller={vase.seller_id}&amp;sku=VASE-1" in page  # the andon cord, filled in

    opened = client.post(f"/operations/insights/spikes/{spike.pk}/defect/", follow=True)
    defect = Defect.objects.get()
    assert opened.redirect_chain[-1][0] == f"/operations/insights/defects/{defect.pk}/"
    assert defect.contacts.count() == 6 and defect.owner == associate
    assert client.post(f"/operations/insights/spikes/{spike.pk}/defect/").status_code == 302
    assert Defect.objects.count() == 1, "the same spike again leads to the open defect"

    client.post(f"/operations/insights/defects/{defect.pk}/", {"action": "update", "cause": "Wrong supplier photos",
                                                               "owner": operator.pk})
    client.post(f"/operations/insights/defects/{defect.pk}/", {"action": "fixed"})
    defect.refresh_from_db()
    assert (defect.state, defect.cause, defect.owner) == ("fixed", "Wrong supplier photos", operator)
    page = client.get(f"/operations/insights/defects/{defect.pk}/").content.decode()
    assert "Before and after the fix" in page and "Wrong supplier photos" in page

    client.post(f"/operations/insights/defects/{defect.pk}/", {"action": "reopen"})
    defect.refresh_from_db()
    assert defect.state == "open" and defect.fixed_at is None

    assert login(alice).get(f"/operations/insights/defects/{defect.pk}/").status_code == 403


def test_after_a_fix_the_page_says_how_the_rate_moved(shop, commit, login, operator):
    """Reported three weeks ago, fixed the day after; ten more vases sold since, none reported."""
    vase = a_week_of_vases_gone_wrong(shop, commit, days_ago=21)
    client = login(operator)
    client.post("/operations/insights/defects/", {"by": "product", "value": str(vase.pk),
                                                  "reason": "not_as_described", "title": "Vase photos"})
    defect = Defect.objects.get()
    assert defect.contacts.count() == 6
    defect.state, defect.fixed_at = "fixed", timezone.now() - timedelta(days=20)
    defect.save()
    shop.send(*[shop.order_placed(f"W-{n}", lines=VASE, placed_at=timezone.now() - timedelta(days=10))
                for n in range(10)])
    page = client.get(f"/operations/insights/defects/{defect.pk}/").content.decode()
    assert "100% fewer contacts per order since the fix" in page
