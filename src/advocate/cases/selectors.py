"""Reads for the agent workspace: the queue, and a conversation with the whole customer beside it.

Every page's query count is fixed, whatever the number of conversations, messages or orders: lists are
cut to a page and related rows come in one query each (see benchmarks/cases.py)."""

import re
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Avg, Case, Count, Exists, OuterRef, Prefetch, Q, Value, When, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.accounts.models import Role, User
from advocate.claims import presenters as claim_presenters
from advocate.claims.models import ProblemReport, Refund
from advocate.claims.rules import may_send_again
from advocate.commerce.models import Order
from advocate.commerce.presenters import status_sentence
from advocate.commerce.selectors import order_facts, status_of
from advocate.commerce.status import refundable
from advocate.core.reasons import ContactReason
from advocate.trust.models import AccountAction

from . import segment
from .models import (
    Answer,
    Attachment,
    Callback,
    CallbackState,
    Conversation,
    ConversationState,
    CustomerNote,
    Direction,
    DutyShift,
    Message,
    Queue,
    Survey,
    Viewer,
)
from .rota import duty, period_start
from .services.presence import PRESENCE_SECONDS

PAGE_SIZE = 50
ORDERS_SHOWN = 10
PAST_SHOWN = 10


VIEWS = ("mine", "unassigned")  # and "" for everyone's


def queue_page(queue: str, *, after: str = "", view: str = "", user=None) -> dict:
    """Open conversations of one queue, longest-waiting first, each with who has it; how many wait in each
    queue; and, within this one, how many are the reader's and how many nobody's. `view` narrows the list to
    the reader's own ("mine") or nobody's ("unassigned").

    Pages continue from the last conversation shown (`after`, "<waiting since>~<id>"), not from a page number:
    the line moves while associates work, and seeking in the index costs the same however deep the page."""
    if queue not in Queue.values:
        queue = Queue.GENERAL
    if view not in VIEWS or (view == "mine" and user is None):
        view = ""
    waiting = Conversation.objects.filter(state=ConversationState.OPEN)
    # COUNT(*), not COUNT(id): PostgreSQL then counts from the index alone.
    counts = dict(waiting.values_list("queue").annotate(n=Count("*")).order_by())
    here = waiting.filter(queue=queue)
    views = here.aggregate(mine=Count("pk", filter=Q(owner_id=user.pk if user else None)),
                           unassigned=Count("pk", filter=Q(owner__isnull=True)))
    rows = here.select_related("customer", "order", "owner").order_by("waiting_since", "pk")
    if view == "mine":
        rows = rows.filter(owner=user)
    elif view == "unassigned":
        rows = rows.filter(owner__isnull=True)
    cursor = _queue_cursor(after)
    if cursor is not None:
        since, pk = cursor
        rows = rows.filter(Q(waiting_since__gt=since) | Q(waiting_since=since, pk__gt=pk))
    shown = list(rows[:PAGE_SIZE + 1])
    more = len(shown) > PAGE_SIZE
    shown = shown[:PAGE_SIZE]
    for conversation in shown:
        conversation.owner_name = _name(conversation.owner)
        conversation.mine = user is not None and conversation.owner_id == user.pk
    return {
        "queue": queue, "view": view, "conversations": shown, "continued": cursor is not None,
        "callbacks": callbacks_summary(), "after": after if cursor is not None else "",
        "next": f"{shown[-1].waiting_since.isoformat()}~{shown[-1].pk}" if more else "",
        "queues": [(value, label, counts.get(value, 0)) for value, label in Queue.choices],
        "views": [("", _("All"), counts.get(queue, 0)), ("mine", _("Mine"), views["mine"]),
                  ("unassigned", _("Unassigned"), views["unassigned"])],
    }


def _queue_cursor(after: str):
    since, _, pk = after.partition("~")
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        return None
    if moment.tzinfo is None or not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
        return None
    return moment, int(pk)


def conversation_detail(conversation_id: int) -> Conversation:
    conversation = (Conversation.objects.select_related("customer", "order", "order__seller", "callback", "owner")
                    .filter(pk=conversation_id).first())
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def timeline(conversation: Conversation, *, messages_after: int = 0, actions_after: int = 0) -> list:
    """Messages, notes and actions in the order they happened; only those after the given ids, for a page
    that already shows the earlier ones."""
    messages = list(conversation.messages.filter(pk__gt=messages_after).select_related("author", "email")
                    .prefetch_related("attachments").order_by("created_at", "pk"))
    actions = list(conversation.actions.filter(pk__gt=actions_after).select_related("by").order_by("created_at", "pk"))
    customer_addresses = {conversation.email.lower(), conversation.customer.email.lower() if conversation.customer
                          else ""}
    for message in messages:
        message.entry, message.who = "message", _name(message.author)
        # Mail from an address that is not the customer's (a colleague copied in, or the customer's other
        # address writing to the signed reply address): the associate should see it, as the reply goes to
        # the customer's.
        message.other_address = message.direction == "in" and message.from_email.lower() not in customer_addresses
    for action in actions:
        action.entry, action.who = "action", _name(action.by)
    return sorted(messages + actions, key=lambda entry: entry.created_at)


def timeline_marks(entries: list, *, messages_after: int = 0, actions_after: int = 0) -> dict:
    """The last message and action ids a page shows: where its live updates continue from, and the last
    message the associate saw when they reply."""
    return {
        "messages_after": max([e.pk for e in entries if e.entry == "message"], default=messages_after),
        "actions_after": max([e.pk for e in entries if e.entry == "action"], default=actions_after),
    }


def staff_choices(conversation: Conversation | None = None, *, now=None):
    """Colleagues a conversation can be given to; with a conversation, each marked `viewing` if they have it
    open (a beat within the last PRESENCE_SECONDS), so the page learns both in one query."""
    staff = (User.objects.filter(Q(role__in=[Role.OPERATOR, Role.ASSOCIATE]) | Q(is_superuser=True), is_active=True)
             .order_by("first_name", "username"))
    if conversation is not None:
        staff = staff.annotate(viewing=Exists(Viewer.objects.filter(
            conversation=conversation, person=OuterRef("pk"), seen_at__gte=now - timedelta(seconds=PRESENCE_SECONDS))))
    return staff


def viewers(staff, *, besides) -> list[str]:
    """Who else has the conversation open, from `staff_choices(conversation)`."""
    return [_name(person) for person in staff if person.viewing and person.pk != besides.pk]


def _name(user) -> str:
    """How colleagues are named on the page; "" for a removed account."""
    return (user.get_short_name() or user.get_username()) if user else ""


def customer_context(conversation: Conversation, *, now) -> dict:
    """The whole customer beside the conversation: orders with their shipments, problems and refunds; earlier
    conversations; personal notes. A sender we do not know as a customer gets their earlier conversations only."""
    customer = conversation.customer
    past = (Conversation.objects.filter(Q(customer=customer) if customer else Q(email=conversation.email))
            .exclude(pk=conversation.pk).order_by("-updated_at")[:PAST_SHOWN])
    if customer is None:
        return {"past": list(past), "orders": [], "notes": []}
    orders = list(Order.objects.filter(customer=customer).select_related("seller").order_by("-placed_at")
                  [:ORDERS_SHOWN])
    if conversation.order_id and conversation.order_id not in {order.pk for order in orders}:
        orders.insert(0, conversation.order)  # an older order: shown first, loaded with the others below
    prefetch_related_objects(
        orders, "lines", "shipments", "payments",
        Prefetch("problem_reports", queryset=ProblemReport.objects.order_by("-created_at")),
        Prefetch("refunds", queryset=Refund.objects.order_by("created_at")),
    )
    for order in orders:
        facts = order_facts(order, with_payments=True)
        order.refunded = sum(refund.amount for refund in order.refunds.all())
        order.refundable = refundable(facts.paid, order.refunded)
        order.delivered = facts.finished
        order.may_send_again = may_send_again(facts)
        order.status_text = status_sentence(status_of(order, now), fulfilled_by=order.fulfilled_by, now=now)
    notes = list(CustomerNote.objects.filter(customer=customer).select_related("author").order_by("-created_at")[:20])
    for note in notes:
        note.who = _name(note.author)
    return {"past": list(past), "orders": orders, "notes": notes}


# --- the answer library --------------------------------------------------------------------------------
ANSWERS_SHOWN = 8


def answers_search(query: str, *, language: str = "", limit: int = ANSWERS_SHOWN) -> list[Answer]:
    """Answers whose title or text holds every word of the query, the reader's language first, then the most
    used. A library of hundreds of answers is read in a blink by substring matching, which also finds words
    in Chinese and Japanese text that has no spaces between them."""
    answers = Answer.objects.all()
    for word in query.split()[:8]:
        answers = answers.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(family__icontains=word))
    first = Case(When(language=language, then=0), default=1) if language else Value(0)
    return list(answers.annotate(first=first).order_by("first", "-uses", "title")[:limit])


def answer_filled(answer: Answer, conversation: Conversation) -> str:
    """The answer's text with this customer's name and order filled in, ready to be edited."""
    name = (conversation.customer.name if conversation.customer else conversation.name) or ""
    order = conversation.order.external_id if conversation.order else ""
    return answer.body.replace("{name}", name.split(" ")[0] if name else "").replace("{order}", order)


def answer_detail(answer_id: int) -> Answer:
    found = Answer.objects.filter(pk=answer_id).first()
    if found is None:
        raise Http404("No such answer")
    return found


# --- how service is measured ---------------------------------------------------------------------------

REPEAT_WITHIN = timedelta(days=7)


def service_measures(*, since, now) -> dict:
    """What managers see: did we solve it, how much effort it took, who had to come back, and why people
    contacted us at all. Deliberately nothing about how fast anyone handled anyone."""
    resolved = Conversation.objects.filter(resolved_at__gte=since, resolved_at__lte=now)
    came_back = Conversation.objects.filter(
        customer_id=OuterRef("customer_id"), created_at__gt=OuterRef("resolved_at"),
        created_at__lte=OuterRef("resolved_at") + REPEAT_WITHIN).exclude(pk=OuterRef("pk"))
    by_reason = list(
        resolved.annotate(repeat=Exists(came_back)).values("reason").annotate(
            total=Count("pk"), repeats=Count("pk", filter=Q(repeat=True, customer__isnull=False)),
        ).order_by("-total"))
    surveys = Survey.objects.filter(sent_at__gte=since, sent_at__lte=now)
    answers = surveys.aggregate(
        sent=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)),
        solved=Count("pk", filter=Q(solved=True)), effort=Avg("effort"))
    reasons = dict(ContactReason.choices)
    total = sum(row["total"] for row in by_reason)
    return {
        "resolved": total,
        "contacts": Conversation.objects.filter(created_at__gte=since, created_at__lte=now).count(),
        "repeats": sum(row["repeats"] for row in by_reason),
        "surveys": answers,
        "solved_share": answers["solved"] / answers["answered"] if answers["answered"] else None,
        "reasons": [{**row, "label": reasons.get(row["reason"], _("Not given"))} for row in by_reason],
        "comments": list(surveys.exclude(comment="").select_related("conversation").order_by("-answered_at")[:20]),
        "callbacks": Callback.objects.filter(window_end__gte=since, window_end__lte=now).aggregate(
            promised=Count("pk"), kept=Count("pk", filter=Q(state=CallbackState.DONE)),
            missed=Count("pk", filter=Q(state=CallbackState.MISSED))),
        "missed_callbacks": list(Callback.objects.filter(state=CallbackState.MISSED, window_end__gte=since)
                                 .select_related("conversation").order_by("-window_end")[:20]),
    }


# --- callbacks -----------------------------------------------------------------------------------------


def callbacks_summary() -> dict:
    return Callback.objects.filter(state=CallbackState.PROMISED).aggregate(
        promised=Count("pk"), raised=Count("pk", filter=Q(raised_at__isnull=False)))


def callbacks_page(*, now) -> dict:
    """Callbacks to make, by promised time, each marked due or about to be missed; and those missed lately."""
    promised = list(Callback.objects.filter(state=CallbackState.PROMISED).select_related("conversation")
                    .order_by("window_start", "pk")[:200])
    for callback in promised:
        callback.due = callback.window_start <= now
        callback.at_risk = callback.raised_at is not None
    missed = list(Callback.objects.filter(state=CallbackState.MISSED, window_end__gte=now - timedelta(days=7))
                  .select_related("conversation").order_by("-window_end")[:50])
    return {"promised": promised, "missed": missed}


# --- the service-duty rota -----------------------------------------------------------------------------


def rota(*, today, required: int, months: int) -> dict:
    """Operators and managers with the days they served and are booked for, those due first; and the days
    to come, everyone's."""
    people = list(User.objects.filter(Q(role=Role.OPERATOR) | Q(is_superuser=True), is_active=True)
                  .order_by("username"))
    since = period_start(today, months)
    days: dict[int, list] = {person.pk: [] for person in people}
    for person_id, day in DutyShift.objects.filter(person__in=people, day__gte=since).values_list("person_id", "day"):
        days[person_id].append(day)
    rows = [{"person": person, "duty": duty(days[person.pk], today, required=required, months=months)}
            for person in people]
    rows.sort(key=lambda row: (not row["duty"].due, row["person"].username))
    coming = list(DutyShift.objects.filter(day__gte=today).select_related("person").order_by("day", "person__username")
                  [:100])
    return {"rows": rows, "coming": coming, "required": required, "months": months,
            "staff": User.objects.filter(Q(role__in=[Role.OPERATOR, Role.ASSOCIATE]) | Q(is_superuser=True),
                                         is_active=True).order_by("username")}


# --- the customer's own requests ("My requests") --------------------------------------------------------

REQUESTS_SHOWN = 100  # of each kind, newest first

# The states as the customer reads them: ours ("Waiting for the customer") are the team's point of view.
CUSTOMER_STATES = {
    ConversationState.OPEN: _("With us: a person will answer"),
    ConversationState.SCHEDULED: _("Callback booked"),
    ConversationState.WAITING: _("We have answered"),
    ConversationState.RESOLVED: _("Resolved"),
}


def _customer_visible(messages):
    """What the customer may read of a conversation: what they wrote and what we sent them — never an internal
    note, nor automatic mail (an auto-reply, a bounce)."""
    return messages.filter(Q(direction=Direction.OUT) | Q(direction=Direction.IN, automatic=""))


def customer_requests(customer) -> dict:
    """Everything a customer has asked of us, for "My requests": their booked callbacks (soonest first), and
    one list, newest first, of their conversations (each with its last message), their problem reports and
    guarantee claims (each with the sentence that says where it stands) and the decisions about their account.
    A fixed number of queries, whatever the number of rows."""
    conversations = list(
        Conversation.objects.filter(customer=customer).select_related("order", "callback")
        .prefetch_related(Prefetch("messages", to_attr="shown", queryset=_customer_visible(Message.objects)
                                   .order_by("created_at", "pk")))
        .order_by("-updated_at", "-pk")[:REQUESTS_SHOWN])
    entries = []
    booked = []
    for conversation in conversations:
        conversation.last_message = conversation.shown[-1] if conversation.shown else None
        conversation.customer_state = CUSTOMER_STATES.get(conversation.state, "")
        callback = getattr(conversation, "callback", None)
        if callback is not None and callback.state == CallbackState.PROMISED:
            booked.append(callback)
        entries.append({"kind": "conversation", "at": conversation.updated_at, "conversation": conversation})
    reports = list(
        ProblemReport.objects.filter(customer=customer)
        .select_related("order__seller", "claim", "parcel_return", "settled_by").prefetch_related("refunds")
        .order_by("-created_at")[:REQUESTS_SHOWN])
    for report in reports:
        entries.append({"kind": "report", "at": report.created_at, "report": report,
                        "claim": getattr(report, "claim", None), "problem": claim_presenters.problem_label(
                            report.problem), "result": claim_presenters.outcome(report)})
    for action in AccountAction.objects.filter(customer=customer).order_by("-created_at")[:REQUESTS_SHOWN]:
        entries.append({"kind": "decision", "at": action.created_at, "action": action})
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    booked.sort(key=lambda callback: callback.window_start)
    return {"booked": booked, "entries": entries}


def customer_conversation(customer, conversation_id: int) -> Conversation:
    """One of this customer's conversations, with what they may read of it; anyone else's: not found (404)."""
    found = (Conversation.objects.filter(pk=conversation_id, customer=customer).select_related("order", "callback")
             .prefetch_related(Prefetch("messages", to_attr="shown", queryset=_customer_visible(Message.objects)
                                        .prefetch_related("attachments").order_by("created_at", "pk")))
             .first())
    if found is None:
        raise Http404("No such conversation")
    found.customer_state = CUSTOMER_STATES.get(found.state, "")
    return found


def customer_callback(customer, callback_id: int) -> Callback:
    found = Callback.objects.filter(pk=callback_id, conversation__customer=customer).select_related(
        "conversation").first()
    if found is None:
        raise Http404("No such callback")
    return found


def customer_attachment(customer, conversation_id: int, attachment_id: int) -> Attachment:
    """An attachment of a message the customer may read in their own conversation; anything else: 404."""
    found = Attachment.objects.filter(
        pk=attachment_id, message__conversation_id=conversation_id, message__conversation__customer=customer,
        message__in=_customer_visible(Message.objects.all())).first()
    if found is None:
        raise Http404("No such attachment")
    return found


# --- search ------------------------------------------------------------------------------------------------

SEARCH_PAGE_SIZE = 20
SNIPPET_CHARS = 90


def _search_ids(phrases: list[list[str]]) -> RawSQL:
    """The conversations whose document holds every phrase, as a subquery (see `services.search`)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT conversation_id FROM cases_search WHERE document @@ %s::tsquery",
                      [segment.tsquery(phrases)])
    return RawSQL("SELECT rowid FROM cases_search WHERE cases_search MATCH %s", [segment.fts5_query(phrases)])


def search_conversations(query: str, *, state: str = "", queue: str = "", owner=None, nobody: bool = False,
                         language: str = "", channel: str = "", reason: str = "", since=None, until=None,
                         page: int = 1, user=None) -> dict:
    """Conversations whose subject, customer (name, address), order number or messages hold every word of the
    query, in any language (`segment`), narrowed by the filters given; the latest active first, a page at a
    time, each with the passage that matched. `since`/`until` are dates, in the reader's time zone, of the
    conversation's latest activity. One more than a page is read, to tell whether there is a next page."""
    phrases = segment.query_phrases(query)
    if not phrases:
        return {"results": [], "page": 1, "has_next": False, "searched": False}
    rows = Conversation.objects.filter(pk__in=_search_ids(phrases))
    exact = {"state": state, "queue": queue, "language": language, "channel": channel, "reason": reason}
    rows = rows.filter(**{field: value for field, value in exact.items() if value})
    if nobody:
        rows = rows.filter(owner__isnull=True)
    elif owner is not None:
        rows = rows.filter(owner=owner)
    zone = timezone.get_current_timezone()
    if since:
        rows = rows.filter(updated_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        rows = rows.filter(updated_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone))
    offset = (max(page, 1) - 1) * SEARCH_PAGE_SIZE
    found = list(rows.select_related("order", "owner").order_by("-updated_at", "-pk")
                 [offset:offset + SEARCH_PAGE_SIZE + 1])
    has_next = len(found) > SEARCH_PAGE_SIZE
    found = found[:SEARCH_PAGE_SIZE]
    snippets = _snippets(found, query)
    for conversation in found:
        conversation.owner_name = _name(conversation.owner)
        conversation.mine = user is not None and conversation.owner_id == user.pk
    return {"results": [(conversation, snippets[conversation.pk]) for conversation in found], "page": page,
            "has_next": has_next, "searched": True}


def _snippets(conversations: list[Conversation], query: str) -> dict[int, dict]:
    """For each conversation, the passage of its latest message that holds a word of the query (the latest
    message's opening when the match was elsewhere: the subject, the address, a spelling with accents), as
    before / hit / after, for the page to mark the hit without trusting any HTML."""
    words = [word.lower() for word in query.split() if word]
    bodies: dict[int, list[str]] = {conversation.pk: [] for conversation in conversations}
    for conversation_id, body in (Message.objects.filter(conversation_id__in=list(bodies))
                                  .order_by("-created_at", "-pk").values_list("conversation_id", "body")):
        bodies[conversation_id].append(body)
    snippets = {}
    for pk, texts in bodies.items():
        snippets[pk] = _snippet(texts, words)
    return snippets


def _snippet(texts: list[str], words: list[str]) -> dict:
    for text in texts:
        lowered = text.lower()
        if len(lowered) != len(text):  # a rare letter whose lower case is longer: positions would drift
            lowered = text
        for word in words:
            at = lowered.find(word)
            if at >= 0:
                end = at + len(word)
                start, stop = max(at - SNIPPET_CHARS, 0), min(end + SNIPPET_CHARS, len(text))
                return {"before": ("…" if start else "") + _squeeze(text[start:at]), "hit": text[at:end],
                        "after": _squeeze(text[end:stop]) + ("…" if stop < len(text) else "")}
    opening = _squeeze(texts[0]) if texts else ""
    return {"before": opening[:2 * SNIPPET_CHARS] + ("…" if len(opening) > 2 * SNIPPET_CHARS else ""),
            "hit": "", "after": ""}


def _squeeze(text: str) -> str:
    """Runs of white space (line breaks included) as one space, kept at the ends so words stay apart."""
    return re.sub(r"\s+", " ", text)
