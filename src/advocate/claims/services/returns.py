"""Returns on their way back: the carrier's scans and the receipt start the refund or the replacement."""

from datetime import datetime

from django.db import transaction

from .. import ledger, rules
from ..models import ReportState, Return, ReturnState
from ..rules import Remedy
from .common import left_to_refund, refund_report, replace_items, resolve
from .notify import tell_customer


class UnknownReturn(Exception):
    pass


def return_exists(code: str) -> bool:
    return Return.objects.filter(code=code).exists()


@transaction.atomic
def return_scanned(*, code: str, scan: str, at: datetime) -> Return:
    """A carrier scanned a return. The first scan starts the refund where policy says so."""
    ret = _locked_return(code)
    if ret.first_scan_at is None:
        ret.first_scan_at, ret.state = at, ReturnState.IN_TRANSIT
        ret.save(update_fields=["first_scan_at", "state"])
    if ret.refund_when == rules.RefundWhen.FIRST_SCAN:
        _remedy_return(ret, at)
    return ret


@transaction.atomic
def return_received(*, code: str, at: datetime) -> Return:
    ret = _locked_return(code)
    if ret.received_at is None:
        ret.received_at, ret.state = at, ReturnState.RECEIVED
        ret.first_scan_at = ret.first_scan_at or at
        ret.save(update_fields=["received_at", "state", "first_scan_at"])
    _remedy_return(ret, at)
    return ret


def _locked_return(code: str) -> Return:
    ret = Return.objects.select_related("report", "report__order", "report__customer").filter(code=code).first()
    if ret is None:
        raise UnknownReturn(code)
    ledger.lock_order(ret.report.order)
    return Return.objects.select_related("report", "report__order", "report__customer").get(pk=ret.pk)


def _remedy_return(ret: Return, at: datetime) -> None:
    if ret.remedied_at is not None:
        return
    report = ret.report
    ret.remedied_at = at
    ret.save(update_fields=["remedied_at"])
    if report.state != ReportState.AWAITING_RETURN:
        return  # already put right another way (a guarantee claim for a return that was not refunded)
    if report.remedy == Remedy.REPLACEMENT:
        replace_items(report)
        resolve(report, at)
        tell_customer(report, "replaced")
        return
    amount = left_to_refund(report)
    resolve(report, at)
    if amount > 0:  # else everything paid was refunded meanwhile (the shop cancelled the order, say)
        tell_customer(report, "refunded", refund=refund_report(report, amount))
