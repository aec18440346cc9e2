"""A guarantee claim as a subject of trust's appeal machine: what it is called, where a person decides it, what a
decision changes, and how the seller is told."""

from advocate.trust.subjects import AppealSubject

from . import services
from .models import APPEAL_KIND

SUBJECT = AppealSubject(
    APPEAL_KIND,
    title=lambda reference: reference,
    link=lambda appeal: f"/service/reviews/appeals/{appeal.pk}/",
    decided=services.appeal_decided,
    tell_decided=services.appeal_decision_tell,
    page="seller_claim_detail",
)
