"""The demo marketplace's returns side: its cancelled orders were refunded, and the seller's and associates'
screens have requests to show, while the demo customers' own orders are left for them to try."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from advocate.accounts.models import User
from advocate.claims import ledger, selectors
from advocate.claims.models import PolicyLayer, ProblemReport
from advocate.commerce.models import Order, OrderState

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_the_demo_refunds_its_cancelled_orders_and_files_sample_requests():
    call_command("demo", "--orders=1500", f"--now={NOW.isoformat()}", verbosity=0)

    cancelled = Order.objects.filter(state=OrderState.CANCELLED)
    assert cancelled.exists()
    assert all(ledger.refundable(order) == 0 for order in cancelled)

    seller = User.objects.get(username="demo-seller").seller
    assert selectors.claims_of_seller(seller), "demo-seller has no guarantee claims to look at"
    assert selectors.review_queue()["reports"], "demo-associate has nothing waiting"
    assert not ProblemReport.objects.filter(customer__user__username__startswith="demo-").exists()
    assert set(PolicyLayer.objects.exclude(category="").values_list("category", flat=True)) == {
        "electronics", "grocery"}
