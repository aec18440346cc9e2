"""A seller's appeal against a guarantee claim decided against them: trust's one appeal machine keeps it; here is
what may be appealed and what a reversal changes for the claim."""

from datetime import datetime

from django.utils import timezone

from advocate.trust.models import Appeal, AppealState
from advocate.trust.services import appeal_decide, appeal_file
from advocate.trust.subjects import AppealOn

from .. import ledger, selectors
from ..hooks import claim_changed
from ..models import APPEAL_KIND, Finding, GuaranteeClaim
from .guarantee import locked_claim
from .notify import tell_seller
from .refusals import refused


def claim_appeal_file(*, claim: GuaranteeClaim, user, statement: str, now: datetime | None = None) -> Appeal:
    """A seller appeals a claim decided against them, within 30 days, free. The appeal is trust's, like an
    appeal against an account action: a person decides by a promised time, with reasons."""
    if not statement.strip():
        raise refused("statement_required")
    if not (user.is_seller and user.seller_id == claim.seller_id):
        raise refused("not_your_claim")
    moment = now or timezone.now()
    appeals = selectors.appeals_of_claim(claim)
    open_appeal = next((a for a in appeals if a.state == AppealState.OPEN), None)
    if open_appeal is None and not selectors.appealable(claim, moment, appeals=appeals):
        if appeals:
            raise refused("appeal_decided")  # one appeal per decision
        late = claim.appeal_until is not None and moment > claim.appeal_until
        raise refused("appeal_too_late" if late else "not_appealable")
    return appeal_file(
        on=AppealOn(kind=APPEAL_KIND, reference=claim.report.reference, appeal_until=claim.appeal_until,
                    seller=claim.seller),
        statement=statement, by=user, now=moment)


def claim_appeal_decide(*, appeal: Appeal, reverse: bool, by, note: str, now: datetime | None = None) -> Appeal:
    """A person decides a seller's appeal against a claim, with reasons (see `appeal_decided` for what a
    reversal does)."""
    if not note.strip():
        raise refused("reasons_required")
    if appeal.state != AppealState.OPEN:
        raise refused("appeal_decided")
    return appeal_decide(appeal=appeal, by=by, reverse=reverse, reasons=note, now=now)


def appeal_decided(appeal: Appeal, reverse: bool, by, now: datetime) -> None:
    """What a decided appeal means for its claim, in the deciding transaction. Reversed: the seller gets back
    what was recovered from them and the claim no longer counts against them; the buyer keeps their refund."""
    if not reverse:
        return
    claim = locked_claim(GuaranteeClaim.objects.get(report__reference=appeal.subject_reference))
    charged = -ledger.claim_seller_total(claim)
    if charged > 0:
        ledger.seller_credit(claim=claim, amount=charged, key=f"claim-appeal:{appeal.pk}:reverse")
    claim.finding = Finding.SELLER
    claim.save(update_fields=["finding"])
    claim_changed(claim)


def appeal_decision_tell(appeal: Appeal) -> None:
    claim = GuaranteeClaim.objects.select_related("report", "report__order", "seller").get(
        report__reference=appeal.subject_reference)
    tell_seller(claim, "appeal_decided", key=f"claim-appeal:{appeal.pk}:decided", appeal=appeal)
