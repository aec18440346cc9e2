"""The one appeal machine: against an account action, or against a decision another domain registered as an
appeal subject (a guarantee claim). Every appeal gets the same treatment — a deadline for the decision, kept
as a promise; a receipt; an audit entry; a decision by a person with reasons, never by the automation — and
the domain that owns the subject carries out what a reversal means for it."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.core.db import retrying_write
from advocate.core.errors import Forbidden, Invalid, Refused

from ..models import AccountAction, ActionState, Appeal, AppealState
from ..subjects import AppealOn, decide_link, subject_of, title_of
from .actions import effects
from .notices import audit, name_of, tell
from .promises import promise_keep, promise_make


def _tell(appeal: Appeal, event: str, *, key: str) -> None:
    subject = None if appeal.action_id else subject_of(appeal.subject_kind)
    tell(seller=appeal.seller, customer=appeal.customer, event=event, key=key, appeal=appeal, action=appeal.action,
         reference=appeal.action.reference if appeal.action_id else appeal.subject_reference,
         page=subject.page if subject else "", page_reference=appeal.subject_reference)


def appeal_file(*, statement: str, action: AccountAction | None = None, on: AppealOn | None = None,
                plan: str = "", by=None, channel: str = "web", now: datetime | None = None) -> Appeal:
    """The affected person appeals, free: against an account action, or against another domain's decision
    (`on`, after that domain checked it may be appealed). A person decides by the operator's deadline; that is
    a promise. The same appeal sent twice (a double click) is filed once."""
    now = now or timezone.now()
    if (action is None) == (on is None):
        raise ValueError("an appeal is about one account action or one other decision")
    statement = statement.strip()
    if not statement:
        raise Invalid("statement_required", _("Tell us why the decision should change."), field="statement")
    if action is not None:
        seller, customer, appeal_until = action.seller, action.customer, action.appeal_until
        if action.state == ActionState.REVERSED:
            raise Refused("already_reversed", _("This decision has already been reversed."))
        open_appeals = Appeal.objects.filter(action=action, state=AppealState.OPEN)
    else:
        subject_of(on.kind)  # a registered kind
        seller, customer, appeal_until = on.seller, on.customer, on.appeal_until
        open_appeals = Appeal.objects.filter(subject_kind=on.kind, subject_reference=on.reference,
                                             state=AppealState.OPEN)
    if now > appeal_until:
        raise Refused("appeal_too_late", _("The time to appeal this decision has passed."), when=appeal_until)

    def work():
        existing = open_appeals.first()
        if existing is not None:
            if existing.statement == statement and existing.filed_by_id == getattr(by, "pk", None):
                return existing
            raise Refused("appeal_open", _("Your appeal is already with us; we will decide by %(when)s.")
                          % {"when": timezone.localtime(existing.due_at).strftime("%Y-%m-%d %H:%M")},
                          when=existing.due_at)
        appeal = Appeal.objects.create(
            action=action, subject_kind=on.kind if on else "", subject_reference=on.reference if on else "",
            seller=seller, customer=customer, statement=statement, plan=plan.strip(), channel=channel, filed_by=by,
            filed_at=now, due_at=now + timedelta(days=settings.ADVOCATE_APPEAL_DECISION_DAYS))
        audit(actor=by, verb="appealed", subject=f"{name_of(seller=seller, customer=customer)} · {title_of(appeal)}",
              reason=statement[:2000], action=action, now=now)
        promise_make(key=f"appeal:{appeal.pk}", seller=seller, customer=customer,
                     what=f"Decide appeal against {title_of(appeal)}", due_at=appeal.due_at, link=decide_link(appeal),
                     now=now)
        _tell(appeal, "appeal_received", key=f"appeals:{appeal.pk}:received")
        return appeal

    return retrying_write(work)


def appeal_decide(*, appeal: Appeal, by, reverse: bool, reasons: str, now: datetime | None = None) -> Appeal:
    """A person decides, with reasons; never the automation. A reversal restores at once what the decision
    took: the account (an action), or what the owning domain says (a claim's debit, credited back)."""
    if by is None or not (by.is_operator or by.is_associate):
        raise Forbidden("person_decides", _("Appeals are decided by a person on the service team."))
    if not reasons.strip():
        raise Invalid("reasons_required",
                      _("Give the reasons for the decision; the person who appealed receives them."), field="reasons")

    def work():
        locked = (Appeal.objects.select_for_update(of=("self",)).select_related("action", "seller", "customer")
                  .get(pk=appeal.pk))
        if locked.state != AppealState.OPEN:
            return locked  # already decided (a second click, or a colleague): nothing changes
        moment = now or timezone.now()
        locked.state = AppealState.REVERSED if reverse else AppealState.UPHELD
        locked.decided_by, locked.decided_at, locked.reasons = by, moment, reasons.strip()
        locked.save(update_fields=["state", "decided_by", "decided_at", "reasons"])
        action = locked.action
        if action is not None and reverse:
            was_in_effect = action.state in (ActionState.ACTIVE, ActionState.SCHEDULED)
            action.state, action.lifted_at, action.lift_reason = ActionState.REVERSED, moment, reasons.strip()
            action.save(update_fields=["state", "lifted_at", "lift_reason"])
            if was_in_effect:
                effects(action, restore=True)
        subject = None if action is not None else subject_of(locked.subject_kind)
        if subject is not None:
            subject.decided(locked, reverse, by, moment)
        audit(actor=by, verb="reversed on appeal" if reverse else "upheld on appeal",
              subject=f"{name_of(seller=locked.seller, customer=locked.customer)} · {title_of(locked)}",
              reason=reasons.strip(), action=action, now=moment)
        promise_keep(key=f"appeal:{locked.pk}", now=moment)
        if subject is not None and subject.tell_decided is not None:
            subject.tell_decided(locked)
        else:
            _tell(locked, "appeal_decided", key=f"appeals:{locked.pk}:decided")
        return locked

    return retrying_write(work)
