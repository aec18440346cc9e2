"""Reads for account actions, appeals, promises and the audit log; and whether a customer's account is closed."""

from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from .models import AccountAction, ActionState, Appeal, AppealState, AuditEntry, Promise, PromiseState
from .subjects import decide_link, title_of

IN_EFFECT = (ActionState.ACTIVE, ActionState.SCHEDULED)


def actions_of(user) -> list[AccountAction]:
    """The actions that affect this person (a seller's, or a customer's own), newest first, with appeals."""
    if user.is_seller:
        actions = AccountAction.objects.filter(seller_id=user.seller_id)
    elif user.is_customer and hasattr(user, "customer"):
        actions = AccountAction.objects.filter(customer=user.customer)
    else:
        return []
    return list(actions.select_related("product").prefetch_related("appeals").order_by("-created_at"))


def action_of(user, reference: str) -> AccountAction:
    found = next((action for action in actions_of(user) if action.reference == reference), None)
    if found is None:
        raise Http404("No such decision")
    return found


def appealable(action: AccountAction, now=None) -> bool:
    now = now or timezone.now()
    return (action.state != ActionState.REVERSED and now <= action.appeal_until
            and not any(appeal.state == AppealState.OPEN for appeal in action.appeals.all()))


def seller_standing(seller) -> list[AccountAction]:
    """A seller's actions in effect, for the banner on their pages."""
    return list(AccountAction.objects.filter(seller=seller, state__in=IN_EFFECT).order_by("-effective_at"))


def operations(*, now) -> dict:
    """Open actions and appeals, promises at risk or broken, and the latest audit entries (operators)."""
    return {
        "actions": list(AccountAction.objects.filter(state__in=IN_EFFECT)
                        .select_related("seller", "customer", "product").order_by("-effective_at")[:200]),
        "appeals": appeals_waiting(),
        "promises_at_risk": list(Promise.objects.filter(state=PromiseState.OPEN).exclude(raised_at=None)
                                 .order_by("due_at")[:50]),
        "promises_open": Promise.objects.filter(state=PromiseState.OPEN).count(),
        "promises_broken": Promise.objects.filter(state=PromiseState.BROKEN,
                                                  due_at__gte=now - timedelta(days=30)).count(),
        "broken": list(Promise.objects.filter(state=PromiseState.BROKEN).order_by("-due_at")[:20]),
        "audit": list(AuditEntry.objects.select_related("actor", "action").order_by("-at")[:100]),
    }


def appeals_waiting() -> list[Appeal]:
    """Every open appeal, soonest deadline first, each with what it is about and where a person decides it."""
    appeals = list(Appeal.objects.filter(state=AppealState.OPEN).select_related("action", "seller", "customer")
                   .order_by("due_at"))
    for appeal in appeals:
        appeal.title = title_of(appeal)
        appeal.decide_link = decide_link(appeal)
    return appeals


def appeal_for_staff(appeal_id: int) -> Appeal:
    """An appeal against an account action (appeals about other decisions are decided on their own pages)."""
    found = (Appeal.objects.select_related("action", "action__seller", "action__customer")
             .filter(pk=appeal_id, action__isnull=False).first())
    if found is None:
        raise Http404("No such appeal")
    return found
