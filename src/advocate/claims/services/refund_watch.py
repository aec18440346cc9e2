"""Unusual refund patterns: a flag for a person to look at, never a block; and the marketplace's baseline."""

from datetime import datetime

from django.utils import timezone

from advocate.commerce.models import Customer

from .. import selectors
from ..models import FlagState, RefundBaseline, RefundPatternFlag
from ..patterns import unusual_refund_pattern


def watch_refund_pattern(customer: Customer, now: datetime) -> None:
    """Flag a customer for a person to look at when their refunds are far outside the norm. Blocks nothing."""
    if RefundPatternFlag.objects.filter(customer=customer, state=FlagState.OPEN).exists():
        return
    orders, refunded = selectors.refund_counts(customer, now=now)
    pattern = unusual_refund_pattern(orders, refunded, selectors.refund_baseline(now=now))
    if pattern is not None:
        RefundPatternFlag.objects.create(customer=customer, orders=orders, refunded_orders=refunded,
                                         baseline_rate=pattern.baseline_rate, z_score=pattern.z, created_at=now)


def refund_baseline_refresh(*, now: datetime | None = None) -> RefundBaseline:
    now = now or timezone.now()
    orders, refunded = selectors.refund_counts(now=now)
    return RefundBaseline.objects.create(computed_at=now, orders=orders, refunded_orders=refunded)


def refund_flag_review(*, flag: RefundPatternFlag, by, note: str, now: datetime | None = None):
    flag.state, flag.reviewed_by, flag.reviewed_at, flag.note = FlagState.REVIEWED, by, now or timezone.now(), note
    flag.save(update_fields=["state", "reviewed_by", "reviewed_at", "note"])
    return flag
