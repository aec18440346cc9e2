"""Telling the affected person, and the audit log of who did what and why."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from advocate.accounts.selectors import seller_reader
from advocate.notifications.services import email_queue

from ..models import AccountAction, AuditEntry


def audit(*, actor, verb: str, subject: str, reason: str = "", action: AccountAction | None = None,
          now: datetime | None = None) -> AuditEntry:
    return AuditEntry.objects.create(at=now or timezone.now(), actor=actor, verb=verb, subject=subject[:200],
                                     reason=reason, action=action)


def recipients(*, seller=None, customer=None) -> tuple[list[str], str, str]:
    """Addresses, language and time zone of the person concerned: a customer, or a seller's people."""
    if customer is not None:
        return [customer.email], customer.language, customer.time_zone
    addresses = list(seller.users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    return addresses, *seller_reader(seller.pk)


def name_of(*, seller=None, customer=None) -> str:
    return customer.name if customer is not None else seller.name


def tell(*, seller=None, customer=None, event: str, key: str, **context) -> None:
    """Email the person concerned (`trust/email/notice.txt`), once per key and address."""
    addresses, language, time_zone = recipients(seller=seller, customer=customer)
    context = {"event": event, "site_url": settings.ADVOCATE_SITE_URL,
               "support_phone": settings.ADVOCATE_SUPPORT_PHONE, **context}
    for index, address in enumerate(addresses):
        email_queue(key=f"{key}:{index}", to=address, template="trust/email/notice.txt", context=context,
                    language=language, time_zone=time_zone)
