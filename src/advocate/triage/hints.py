"""The contact form's hint: before a customer sends a message we would answer automatically, the answer's facts
are shown with the one-click actions ("Is this about order A-1001?"); sending anyway still works. Nothing is done
for them here: the actions are theirs to take."""

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from advocate.cases.hints import Hint
from advocate.commerce.models import Customer, Order

from . import answering, services


def contact_hint(*, customer: Customer, subject: str, body: str, order: Order | None, now: datetime) -> Hint | None:
    understood = services.understand(f"{subject}\n{body}", customer=customer, order=order, moment=now)
    if understood.needs_person is not None:
        return None
    order = understood.order
    composed = answering.facts(understood.reading.reason, customer=customer, order=order, now=now)
    links = [(part.label, part.path) for part in composed.paragraphs if isinstance(part, answering.Link)]
    if order is None:
        title = _("About your membership")
    else:
        title = _("Is this about order %(number)s?") % {"number": order.external_id}
        links.append((_("Open order %(number)s") % {"number": order.external_id},
                      reverse("order_detail", args=[order.external_id])))
    paragraphs = [part.sentence if isinstance(part, answering.Link) else part for part in composed.paragraphs]
    return Hint(title=title, paragraphs=[part for part in paragraphs if part], links=links)
