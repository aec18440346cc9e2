"""Writes: a customer reports a problem and the decision is carried out at once; returns, guarantee claims,
appeals and a person's decisions move it on. Money moves only through `ledger`. One module per topic; every
service is re-exported here.

Every function here is safe to call twice with the same request: a report is found again by the
customer's request key, and every money movement by its ledger key. A request that cannot be done is
refused with `core.errors.Refused` (or one of its kinds), worded for the person who asked.
"""

from .appeals import appeal_decided, appeal_decision_tell, claim_appeal_decide, claim_appeal_file
from .associates import associate_credit, associate_refund, associate_reship, within_associate_limit
from .cancellations import cancelled_order_refund, cancelled_orders_refund_all
from .guarantee import (
    claim_close_overdue,
    claim_decide,
    claim_seller_dispute,
    claim_seller_refund,
    claims_close_overdue,
)
from .policy import policy_layer_delete, policy_layer_save
from .refund_watch import refund_baseline_refresh, refund_flag_review
from .reports import report_file
from .returns import return_exists, return_received, return_scanned
from .reviews import REVIEW_ACTIONS, report_review_decide

__all__ = [
    "REVIEW_ACTIONS",
    "appeal_decided",
    "appeal_decision_tell",
    "associate_credit",
    "associate_refund",
    "associate_reship",
    "cancelled_order_refund",
    "cancelled_orders_refund_all",
    "claim_appeal_decide",
    "claim_appeal_file",
    "claim_close_overdue",
    "claim_decide",
    "claim_seller_dispute",
    "claim_seller_refund",
    "claims_close_overdue",
    "policy_layer_delete",
    "policy_layer_save",
    "refund_baseline_refresh",
    "refund_flag_review",
    "report_file",
    "report_review_decide",
    "return_exists",
    "return_received",
    "return_scanned",
    "within_associate_limit",
]
