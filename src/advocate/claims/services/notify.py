"""Telling the customer and the seller's people, by email, in their language; sellers see the buyer's alias only."""

from django.conf import settings

from advocate.commerce.selectors import buyer_alias
from advocate.commerce.signin import order_link_context
from advocate.notifications.services import email_queue

from ..models import GuaranteeClaim, ProblemReport


def email_context(customer, order, **extra) -> dict:
    return {"customer": customer, "order": order, "support_phone": settings.ADVOCATE_SUPPORT_PHONE,
            "site_url": settings.ADVOCATE_SITE_URL, **order_link_context(order), **extra}


def tell_customer(report: ProblemReport, event: str, **extra) -> None:
    customer = report.customer
    email_queue(
        key=f"report:{report.pk}:{event}", to=customer.email, template="claims/email/customer.txt",
        context=email_context(customer, report.order, event=event, report=report, **extra),
        language=customer.language,
        time_zone=customer.time_zone, order=report.order,
    )


def tell_seller(claim: GuaranteeClaim, event: str, key: str = "", **extra) -> None:
    """Email the seller's people. The buyer appears under their alias: never their name, email or phone."""
    order = claim.report.order
    context = {"claim": claim, "report": claim.report, "order": order, "buyer": buyer_alias(order),
               "event": f"seller_{event}", "site_url": settings.ADVOCATE_SITE_URL, **extra}
    for user in claim.seller.users.filter(is_active=True).exclude(email=""):
        email_queue(key=f"{key or f'claim:{claim.pk}:{event}'}:{user.pk}", to=user.email,
                    template="claims/email/seller.txt", context=context,
                    language=user.language or settings.LANGUAGE_CODE, time_zone=user.time_zone, order=order)
