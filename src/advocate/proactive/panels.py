"""Proactive remedies and incidents on the order page (for the customer and staff) and beside a conversation
(everything done on the customer's orders)."""

from advocate.cases.panels import ConversationPanel
from advocate.commerce.panels import OrderPanel

from . import rules
from .incidents import notices_of
from .presenters import firing_sentence, notice_sentence
from .services import firings_of, open_trace, remedy_choices
from .switches import settings_current

SHOWN = 10


def _lines(orders, now, *, to_customer: bool) -> list[tuple]:
    """(order, sentence) for every step and incident notice on these orders, newest first."""
    firings = firings_of(orders)
    remedied = {f.order_id for f in firings if f.step == rules.Step.REMEDY}
    done = [(f.at, f.order, firing_sentence(f, now, to_customer=to_customer, remedied=f.order_id in remedied))
            for f in firings]
    done += [(n.at, n.order, notice_sentence(n, now, to_customer=to_customer)) for n in notices_of(orders)]
    done.sort(key=lambda line: line[0], reverse=True)
    return [(order, sentence) for _at, order, sentence in done]


def _order(request, order, now):
    if request.user.is_seller:
        return None  # sellers see their own duties on their pages; these are the marketplace's to the buyer
    lines = _lines([order], now, to_customer=request.user.is_customer)
    if not lines:
        return None
    trace = open_trace(order) if request.user.is_customer and remedy_choices(order) else None
    return {"lines": [sentence for _order, sentence in lines], "trace": trace,
            "choice": trace.detail.get("choice", settings_current().remedy) if trace else ""}


def _conversation(request, conversation, now):
    if conversation.customer_id is None:
        return None
    lines = _lines(conversation.customer.orders.all(), now, to_customer=False)
    return {"lines": lines[:SHOWN]} if lines else None


ORDER = OrderPanel("proactive.remedies", "proactive/_order_panel.html", _order, order=15)
CONVERSATION = ConversationPanel("proactive.remedies", "proactive/_conversation_panel.html", _conversation, order=60)
