"""Account actions, each with its statement of reasons, and what they make the shop's systems do."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import InstructionKind
from advocate.commerce.services import instruct
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused
from advocate.core.references import new_reference
from advocate.core.zones import reader

from ..models import AccountAction, ActionKind, ActionState
from .notices import audit, name_of, recipients, tell

APPEAL_OPEN = timedelta(days=183)  # at least six months
TERMINATION_NOTICE = timedelta(days=30)


class StatementIncomplete(Invalid):
    """An action without its full statement of reasons is refused; `missing` names what is missing."""

    def __init__(self, missing: list[str]):
        super().__init__("statement_incomplete", _(
            "A decision needs its full statement of reasons: what it covers, the facts behind it and the rule it "
            "rests on, and who decided it."))
        self.missing = missing


@dataclass(frozen=True)
class Statement:
    """What the affected person is told, and what the action record keeps."""

    scope: str
    facts: str
    rule: str


def _render_statement(action: AccountAction) -> str:
    """The statement of reasons in the affected person's language, kept word for word with the action."""
    _addresses, language, time_zone = recipients(seller=action.seller, customer=action.customer)
    with reader(language, time_zone):
        return render_to_string("trust/statement.txt", {"action": action}).strip()


def _tell(action: AccountAction, event: str, *, key: str, **context) -> None:
    tell(seller=action.seller, customer=action.customer, event=event, key=key, action=action,
         reference=action.reference, **context)


def action_take(*, kind: str, statement: Statement, automated: bool, by=None, seller=None, customer=None,
                product=None, metric: str = "", effective_at: datetime | None = None,
                ends_at: datetime | None = None, now: datetime | None = None) -> AccountAction:
    """Take an action, with its statement of reasons, and tell the affected person at once.

    Raises StatementIncomplete when the scope, the facts or the rule is missing, or when a person's decision
    does not say who decided; Refused for a termination with less than 30 days' notice."""
    now = now or timezone.now()
    missing = [name for name in ("scope", "facts", "rule") if not getattr(statement, name).strip()]
    if not automated and by is None:
        missing.append("decided_by")
    if (seller is None) == (customer is None):
        raise ValueError("an action concerns one seller or one customer")
    if missing:
        raise StatementIncomplete(missing)
    effective_at = effective_at or now
    if kind == ActionKind.TERMINATION and effective_at < now + TERMINATION_NOTICE:
        raise Refused("termination_notice", _("A termination takes effect at least 30 days after notice is given."))

    def work():
        action = AccountAction(
            reference=new_reference("AA"), seller=seller, customer=customer, product=product, kind=kind,
            state=ActionState.SCHEDULED if effective_at > now else ActionState.ACTIVE,
            scope=statement.scope.strip(), facts=statement.facts.strip(), rule=statement.rule.strip(),
            automated=automated, metric=metric, effective_at=effective_at, ends_at=ends_at,
            appeal_until=effective_at + APPEAL_OPEN, decided_by=None if automated else by, created_at=now,
        )
        action.statement = _render_statement(action)
        action.save()
        audit(actor=None if automated else by, verb=f"took {kind}", subject=name_of(seller=seller, customer=customer),
              reason=action.facts, action=action, now=now)
        effects(action, restore=False)
        _tell(action, "taken", key=f"action:{action.reference}:taken")
        return action

    return retrying_write(work)


def effects(action: AccountAction, *, restore: bool) -> None:
    """What the shop's systems must carry out: a seller's selling status, a listing taken down or put back.
    Published in the instruction feed, like refunds (customers' accounts are enforced here, see `guards`)."""
    key = f"action:{action.reference}:{'restore' if restore else 'take'}"
    if action.kind == ActionKind.LISTING_PULLED and action.product_id:
        instruct(key=key, kind=InstructionKind.LISTING, order=None,
                 payload={"seller_id": action.seller.external_id, "sku": action.product.sku, "listed": restore,
                          "action": action.reference})
    elif action.seller_id and action.kind in (ActionKind.RESTRICTION, ActionKind.SUSPENSION, ActionKind.TERMINATION):
        instruct(key=key, kind=InstructionKind.SELLER_STATUS, order=None,
                 payload={"seller_id": action.seller.external_id, "action": action.reference,
                          "status": "active" if restore else action.kind, "scope": action.scope})


def action_lift(*, action: AccountAction, by, reason: str, now: datetime | None = None) -> AccountAction:
    """The cause is fixed (or the figure is back within target): the action ends, and the person is told."""
    if not reason.strip():
        raise Invalid("reason_required", _("Say why it is lifted."), field="reason")

    def work():
        locked = AccountAction.objects.select_for_update().get(pk=action.pk)
        if locked.state not in (ActionState.ACTIVE, ActionState.SCHEDULED):
            return locked
        moment = now or timezone.now()
        locked.state, locked.lifted_at, locked.lift_reason = ActionState.LIFTED, moment, reason.strip()
        locked.save(update_fields=["state", "lifted_at", "lift_reason"])
        audit(actor=by, verb=f"lifted {locked.kind}", subject=name_of(seller=locked.seller, customer=locked.customer),
              reason=reason, action=locked, now=moment)
        effects(locked, restore=True)
        _tell(locked, "lifted", key=f"action:{locked.reference}:lifted", reason=reason.strip())
        return locked

    return retrying_write(work)


def actions_start_due(*, now: datetime | None = None) -> int:
    """Run by `advocate tick`: actions given with notice (terminations) take effect when their time comes."""
    now = now or timezone.now()
    started = 0
    for action in AccountAction.objects.filter(state=ActionState.SCHEDULED, effective_at__lte=now).select_related(
            "seller", "customer"):
        with transaction.atomic():
            if AccountAction.objects.filter(pk=action.pk, state=ActionState.SCHEDULED).update(
                    state=ActionState.ACTIVE):
                audit(actor=None, verb=f"{action.kind} took effect",
                      subject=name_of(seller=action.seller, customer=action.customer), action=action, now=now)
                started += 1
    return started
