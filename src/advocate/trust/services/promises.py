"""Promises made to a customer or seller ("we will call you back", "we will decide within 48 hours"): kept,
raised when about to be broken, and counted when broken."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Promise, PromiseState

RAISE_SHARE = 0.2  # a promise is raised when less than this share of its time is left (at least 30 minutes)


def promise_make(*, key: str, what: str, due_at: datetime, seller=None, customer=None, link: str = "",
                 now: datetime | None = None) -> Promise:
    """Record a promise made to a customer or seller; the same key again changes nothing."""
    promise, _created = Promise.objects.get_or_create(key=key[:80], defaults={
        "what": what[:300], "due_at": due_at, "seller": seller, "customer": customer, "link": link[:300],
        "made_at": now or timezone.now()})
    return promise


def promise_keep(*, key: str, now: datetime | None = None) -> bool:
    """Kept — on time, or late (then it stays counted as broken)."""
    moment = now or timezone.now()
    return bool(Promise.objects.filter(key=key[:80], state=PromiseState.OPEN).update(
        state=PromiseState.KEPT, settled_at=moment))


def promise_move(*, key: str, due_at: datetime) -> bool:
    """A promise still open given a new time (a customer chose another callback window): raised afresh."""
    return bool(Promise.objects.filter(key=key[:80], state=PromiseState.OPEN).update(due_at=due_at, raised_at=None))


def promises_check(*, now: datetime | None = None) -> dict[str, int]:
    """Run by `advocate tick`: raise promises about to be broken; mark broken the ones whose time passed."""
    now = now or timezone.now()
    open_ = Promise.objects.filter(state=PromiseState.OPEN)
    broken = open_.filter(due_at__lte=now).update(state=PromiseState.BROKEN, settled_at=now)
    raised = 0
    for promise in open_.filter(raised_at=None, due_at__gt=now, due_at__lte=now + timedelta(days=2)):
        margin = max((promise.due_at - promise.made_at) * RAISE_SHARE, timedelta(minutes=30))
        if promise.due_at - now <= margin:
            raised += Promise.objects.filter(pk=promise.pk, raised_at=None).update(raised_at=now)
    return {"promises_raised": raised, "promises_broken": broken}
