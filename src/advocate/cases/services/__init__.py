"""Writes for conversations: mail in (parse, thread, store), replies out, and what an associate does from a
conversation — refund, goodwill credit, escalate, resolve, notes; callbacks, the answer library, surveys and
the service-duty rota; and what a customer does from "My requests" (add to a conversation, move or cancel a
callback). One module per topic; every service is re-exported here. Money goes through claims'
services, the same path (ledger, limits, refund-pattern watch) as self-service. A request that cannot be done
is refused with `core.errors.Refused`, worded for the person who asked.
"""

from .actions import (
    conversation_credit,
    conversation_escalate,
    conversation_refund,
    conversation_reship,
    conversation_resolve,
    conversation_upgrade_shipping,
    customer_note_add,
    customer_note_delete,
    internal_note_add,
)
from .answers import answer_save
from .callback_requests import (
    CALLING_HOURS,
    RAISE_BEFORE,
    callback_log,
    callback_request,
    callback_windows,
    callbacks_check,
)
from .contact import contact_form_send
from .customer_requests import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    callback_cancel,
    callback_move,
    conversation_customer_add,
)
from .duty import duty_book, duty_cancel
from .mail_in import mail_receive
from .ownership import conversation_assign, conversation_route, conversation_take, owner_on_shift
from .presence import PRESENCE_SECONDS, presence_beat, presence_forget
from .replies import automatic_answer_send, reply_send
from .search import search_forget, search_index, search_reindex
from .surveys import SURVEY_OPEN_DAYS, survey_answer

__all__ = [
    "ATTACHMENT_TYPES", "CALLING_HOURS", "MAX_ATTACHMENTS", "MAX_ATTACHMENT_BYTES", "PRESENCE_SECONDS",
    "RAISE_BEFORE", "SURVEY_OPEN_DAYS", "answer_save", "automatic_answer_send", "callback_cancel", "callback_log",
    "callback_move", "callback_request", "callback_windows", "callbacks_check", "contact_form_send",
    "conversation_assign", "conversation_credit", "conversation_customer_add", "conversation_escalate",
    "conversation_refund", "conversation_reship", "conversation_resolve", "conversation_route", "conversation_take",
    "conversation_upgrade_shipping", "customer_note_add", "customer_note_delete", "duty_book", "duty_cancel",
    "internal_note_add", "mail_receive", "owner_on_shift", "presence_beat", "presence_forget", "reply_send",
    "search_forget", "search_index", "search_reindex", "survey_answer",
]
