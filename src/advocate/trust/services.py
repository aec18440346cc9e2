"""Writes for account actions, appeals, promises and the audit log.

Every action against a seller, a listing or a customer is taken here, and only with its statement of
reasons: what was done, its scope and duration, the facts, whether it was decided automatically, the rule it
rests on, and how to appeal. The affected person receives the statement when the action takes effect (or,
for a termination, when notice is given). Appeals are free, open for at least six months, and decided by a
person with reasons; a reversal restores the account at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.accounts.selectors import seller_reader
from advocate.commerce.models import InstructionKind
from advocate.commerce.services import instruct
from advocate.core.db import retrying_write
from advocate.core.references import new_reference
from advocate.core.zones import reader
from advocate.notifications.services import email_queue

from .models import (
    AccountAction,
    ActionKind,
    ActionState,
    Appeal,
    AppealState,
    AuditEntry,
    Promise,
    PromiseState,
)

APPEAL_OPEN = timedelta(days=183)  # at least six months
TERMINATION_NOTICE = timedelta(days=30)


class StatementIncomplete(Exception):
    """An action without its full statement of reasons is refused; `missing` names what is missing."""

    def __init__(self, missing: list[str]):
        super().__init__("statement of reasons incomplete: " + ", ".join(missing))
        self.missing = missing


class ActionRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Statement:
    """What the affected person is told, and what the action record keeps."""

    scope: str
    facts: str
    rule: str


def audit(*, actor, verb: str, subject: str, reason: str = "", action: AccountAction | None = None,
          now: datetime | None = None) -> AuditEntry:
    return AuditEntry.objects.create(at=now or timezone.now(), actor=actor, verb=verb, subject=subject[:200],
                                     reason=reason, action=action)


def _recipients(action: AccountAction) -> tuple[list[str], str, str]:
    """Addresses, language and time zone of whoever the action affects."""
    if action.customer_id:
        customer = action.customer
        return [customer.email], customer.language, customer.time_zone
    addresses = list(action.seller.users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    return addresses, *seller_reader(action.seller_id)


def _subject_name(action: AccountAction) -> str:
    return action.customer.name if action.customer_id else action.seller.name


def _tell(action: AccountAction, event: str, *, key: str, **extra) -> None:
    addresses, language, time_zone = _recipients(action)
    context = {"action": action, "event": event, "site_url": settings.ADVOCATE_SITE_URL,
               "support_phone": settings.ADVOCATE_SUPPORT_PHONE, **extra}
    for index, address in enumerate(addresses):
        email_queue(key=f"{key}:{index}", to=address, template="trust/email/notice.txt", context=context,
                    language=language, time_zone=time_zone)


def _render_statement(action: AccountAction) -> str:
    """The statement of reasons in the affected person's language, kept word for word with the action."""
    _addresses, language, time_zone = _recipients(action)
    with reader(language, time_zone):
        return render_to_string("trust/statement.txt", {"action": action}).strip()


def action_take(*, kind: str, statement: Statement, automated: bool, by=None, seller=None, customer=None,
                product=None, metric: str = "", effective_at: datetime | None = None,
                ends_at: datetime | None = None, now: datetime | None = None) -> AccountAction:
    """Take an action, with its statement of reasons, and tell the affected person at once.

    Raises StatementIncomplete when the scope, the facts or the rule is missing, or when a person's decision
    does not say who decided; ActionRefused for a termination with less than 30 days' notice."""
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
        raise ActionRefused(_("A termination takes effect at least 30 days after notice is given."))

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
        audit(actor=None if automated else by, verb=f"took {kind}", subject=_subject_name(action),
              reason=action.facts, action=action, now=now)
        _effects(action, restore=False)
        _tell(action, "taken", key=f"action:{action.reference}:taken")
        return action

    return retrying_write(work)


def _effects(action: AccountAction, *, restore: bool) -> None:
    """What the shop's systems must carry out: a seller's selling status, a listing taken down or put back.
    Published in the instruction feed, like refunds (customers' accounts are enforced here, see selectors)."""
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
        raise ActionRefused(_("Say why it is lifted."))

    def work():
        locked = AccountAction.objects.select_for_update().get(pk=action.pk)
        if locked.state not in (ActionState.ACTIVE, ActionState.SCHEDULED):
            return locked
        moment = now or timezone.now()
        locked.state, locked.lifted_at, locked.lift_reason = ActionState.LIFTED, moment, reason.strip()
        locked.save(update_fields=["state", "lifted_at", "lift_reason"])
        audit(actor=by, verb=f"lifted {locked.kind}", subject=_subject_name(locked), reason=reason, action=locked,
              now=moment)
        _effects(locked, restore=True)
        _tell(locked, "lifted", key=f"action:{locked.reference}:lifted", reason=reason.strip())
        return locked

    return retrying_write(work)


def actions_start_due(*, now: datetime | None = None) -> int:
    """Run by `advocate tick`: actions given with notice (terminations) take effect when their time comes."""
    now = now or timezone.now()
    started = 0
    for action in AccountAction.objects.filter(state=ActionState.SCHEDULED, effective_at__lte=now):
        with transaction.atomic():
            if AccountAction.objects.filter(pk=action.pk, state=ActionState.SCHEDULED).update(
                    state=ActionState.ACTIVE):
                audit(actor=None, verb=f"{action.kind} took effect", subject=_subject_name(action), action=action,
                      now=now)
                started += 1
    return started


# --- appeals -------------------------------------------------------------------------------------------


def appeal_file(*, action: AccountAction, statement: str, plan: str = "", by=None, channel: str = "web",
                now: datetime | None = None) -> Appeal:
    """The affected person appeals, free. A person decides by the operator's deadline; that is a promise."""
    now = now or timezone.now()
    if not statement.strip():
        raise ActionRefused(_("Tell us why the decision should change."))
    if now > action.appeal_until:
        raise ActionRefused(_("The time to appeal this decision has passed."))
    if action.state == ActionState.REVERSED:
        raise ActionRefused(_("This decision has already been reversed."))

    def work():
        existing = Appeal.objects.filter(action=action, state=AppealState.OPEN).first()
        if existing is not None:
            raise ActionRefused(_("Your appeal is already with us; we will decide by %(when)s.")
                                % {"when": timezone.localtime(existing.due_at).strftime("%Y-%m-%d %H:%M")})
        appeal = Appeal.objects.create(
            action=action, statement=statement.strip(), plan=plan.strip(), channel=channel, filed_by=by,
            filed_at=now, due_at=now + timedelta(days=settings.ADVOCATE_APPEAL_DECISION_DAYS))
        audit(actor=by, verb="appealed", subject=_subject_name(action), reason=statement.strip()[:2000],
              action=action, now=now)
        promise_make(key=f"appeal:{appeal.pk}", seller=action.seller, customer=action.customer,
                     what=f"Decide appeal against {action.reference}", due_at=appeal.due_at,
                     link=f"/operations/appeals/{appeal.pk}/", now=now)
        _tell(action, "appeal_received", key=f"appeal:{appeal.pk}:received", appeal=appeal)
        return appeal

    return retrying_write(work)


def appeal_decide(*, appeal: Appeal, by, reverse: bool, reasons: str, now: datetime | None = None) -> Appeal:
    """A person decides, with reasons; never the automation. A reversal restores the account at once."""
    if by is None or not (by.is_operator or by.is_associate):
        raise ActionRefused(_("Appeals are decided by a person on the service team."))
    if not reasons.strip():
        raise ActionRefused(_("Give the reasons for the decision; the person who appealed receives them."))

    def work():
        locked = Appeal.objects.select_for_update().select_related("action").get(pk=appeal.pk)
        if locked.state != AppealState.OPEN:
            return locked
        moment = now or timezone.now()
        locked.state = AppealState.REVERSED if reverse else AppealState.UPHELD
        locked.decided_by, locked.decided_at, locked.reasons = by, moment, reasons.strip()
        locked.save(update_fields=["state", "decided_by", "decided_at", "reasons"])
        action = locked.action
        if reverse:
            was_in_effect = action.state in (ActionState.ACTIVE, ActionState.SCHEDULED)
            action.state, action.lifted_at, action.lift_reason = ActionState.REVERSED, moment, reasons.strip()
            action.save(update_fields=["state", "lifted_at", "lift_reason"])
            if was_in_effect:
                _effects(action, restore=True)
        audit(actor=by, verb="reversed on appeal" if reverse else "upheld on appeal", subject=_subject_name(action),
              reason=reasons.strip(), action=action, now=moment)
        promise_keep(key=f"appeal:{locked.pk}", now=moment)
        _tell(action, "appeal_decided", key=f"appeal:{locked.pk}:decided", appeal=locked)
        return locked

    return retrying_write(work)


# --- promises ------------------------------------------------------------------------------------------

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
