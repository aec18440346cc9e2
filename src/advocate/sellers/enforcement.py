"""Graduated enforcement of seller standards (run by `advocate tick`): a figure outside its target first brings
a warning with time to act; still outside when that time is up, a restriction (no new listings); still outside
after the restriction period, a suspension of selling. A figure back within target lifts what it caused.
Figures resting on fewer than ADVOCATE_ENFORCEMENT_MIN_COUNT orders (or messages) bring no step: too few to judge
fairly. Termination is never automatic: an operator decides it, with 30 days' notice. Every step goes through
`trust.services.action_take`, so each comes with its statement of reasons and a way to appeal."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.accounts.selectors import seller_reader
from advocate.commerce.models import Seller
from advocate.core.zones import reader
from advocate.trust import services as trust
from advocate.trust.models import AccountAction, ActionKind, ActionState

from . import selectors
from .health import Figure
from .models import METRIC_LABELS

LADDER = [ActionKind.WARNING, ActionKind.RESTRICTION, ActionKind.SUSPENSION]


def _scope(step: str) -> str:
    return {
        ActionKind.WARNING: _("Your seller account: no change to selling yet"),
        ActionKind.RESTRICTION: _("New listings: you cannot add listings; existing listings and orders continue"),
        ActionKind.SUSPENSION: _("All selling: your listings are hidden and you cannot take new orders"),
    }[step]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _target(figure: Figure) -> str:
    return ("≥ " if figure.target.at_least else "< ") + _percent(figure.target.limit)


def _facts(figure: Figure, step: str, days: int) -> str:
    facts = _("%(metric)s: %(rate)s (%(numerator)s of %(denominator)s) over the last %(window)s days; the target is "
              "%(target)s. The orders behind the figure are listed on your account health page.") % {
        "metric": METRIC_LABELS[figure.metric], "rate": _percent(figure.rate), "numerator": figure.numerator,
        "denominator": figure.denominator, "window": figure.target.window_days, "target": _target(figure)}
    if step == ActionKind.WARNING:
        return facts + " " + _("Bring it within target in the next %(days)s days to avoid a restriction.") % {
            "days": days}
    return facts + " " + _("It was still outside its target when the time given to act ran out.")


def seller_enforce(seller: Seller, *, now=None) -> list[AccountAction]:
    """Take the next step for each failing figure whose time to act has run out; lift steps whose figure is
    back within target. Returns the actions taken. The statement is written in the seller's language."""
    with reader(*seller_reader(seller.pk)):
        return _enforce(seller, now or timezone.now())


def _enforce(seller: Seller, now) -> list[AccountAction]:
    figures = selectors.figures_of(seller, now.date())
    taken = []
    steps = {kind: timedelta(days=settings.ADVOCATE_ENFORCEMENT_DAYS) for kind in LADDER}
    for metric, figure in figures.items():
        current = (AccountAction.objects.filter(seller=seller, metric=metric.value, automated=True,
                                                state=ActionState.ACTIVE).order_by("-effective_at").first())
        if not figure.ok and figure.denominator < settings.ADVOCATE_ENFORCEMENT_MIN_COUNT:
            continue  # too few orders to judge fairly: no step either way
        if figure.ok:
            if current is not None:
                trust.action_lift(action=current, by=None, now=now, reason=_(
                    "%(metric)s is back within its target.") % {"metric": METRIC_LABELS[metric]})
            continue
        if current is None:
            # A person reversed the last step on appeal: the automation does not simply take it again.
            if AccountAction.objects.filter(seller=seller, metric=metric.value, state=ActionState.REVERSED,
                                            lifted_at__gte=now - steps[LADDER[0]]).exists():
                continue
            step = LADDER[0]
        elif now - current.effective_at < steps[current.kind] or current.kind == LADDER[-1]:
            continue
        else:
            step = LADDER[LADDER.index(current.kind) + 1]
        rule = _("Seller standards: account health targets (%(metric)s: %(target)s)") % {
            "metric": METRIC_LABELS[metric], "target": _target(figure)}
        action = trust.action_take(
            kind=step, seller=seller, automated=True, metric=metric.value, now=now,
            ends_at=now + steps[step] if step == ActionKind.WARNING else None,
            statement=trust.Statement(
                scope=_scope(step), facts=_facts(figure, step, settings.ADVOCATE_ENFORCEMENT_DAYS), rule=rule))
        if current is not None:
            trust.action_lift(action=current, by=None, now=now,
                              reason=_("Replaced by %(reference)s.") % {"reference": action.reference})
        taken.append(action)
    return taken


def sellers_enforce(*, now=None) -> int:
    return sum(len(seller_enforce(seller, now=now)) for seller in Seller.objects.filter(is_platform=False))
