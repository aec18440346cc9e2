"""Triage on arrival: every inbound message is read for its language, reason, abuse, a wish for a person and the
order it is about, the reading is kept, and the conversation is filled in where nobody has yet (its reason, its
order, its team). Associates correct what is wrong; corrections are training data."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from advocate.cases.models import Conversation, ConversationState, Direction, Message, Queue
from advocate.commerce.models import Customer, Order, OrderLine, OrderState, Shipment

from . import answering, language, rules, tasks, training
from .model import Model
from .model import Reading as ModelReading
from .models import AnswerPolicy, AutomaticAnswer, Correction, OrderFoundBy, Reading

RECENT = timedelta(days=60)  # an order older than this is not "the one they mean" without being named
_TOKEN = re.compile(r"[\w-]{2,64}")


def current_model() -> Model:
    return training.current(settings.ADVOCATE_TRIAGE_MODELS)


def policies(model: Model | None = None) -> dict[str, rules.Policy]:
    """Every reason's policy: the operator's row where there is one, else on at the model's tuned threshold."""
    model = model or current_model()
    try:
        chosen = {row.reason: row for row in AnswerPolicy.objects.all()}
    except DatabaseError:  # no database made yet (`advocate triage classify` on a fresh checkout): no choices
        chosen = {}
    found = {}
    for reason, tuned in model.thresholds.items():
        row = chosen.get(reason)
        found[reason] = rules.Policy(
            automatic=row.automatic if row else True,
            threshold=row.threshold if row and row.threshold is not None else tuned,
        )
    return found


def classify(rows: Iterable[dict]) -> list[dict]:
    """The command-line reading of {"id", "text", "lang"?} rows, as documented in the README."""
    rows = list(rows)
    model = current_model()
    policy = policies(model)
    readings = model.read([row["text"] for row in rows])
    out = []
    for row, reading in zip(rows, readings, strict=True):
        spoken = language.detect(row["text"], known=row.get("lang"), domain=reading.languages)
        out.append({
            "id": row.get("id"), "language": spoken, "reason": reading.reason,
            "confidence": round(reading.confidence, 4), "abusive": reading.abusive,
            "wants_person": reading.wants_person,
            "would_auto_answer": rules.would_auto_answer(reading, language=spoken, policy=policy[reading.reason]),
        })
    return out


def order_about(customer: Customer | None, text: str, moment: datetime) -> tuple[Order | None, str]:
    """The order a message is about: one named by number or tracking number, else one whose product it names,
    else the customer's most relevant open order (the newest not yet delivered or cancelled, of recent ones)."""
    if customer is None:
        return None, ""
    tokens = {token.strip("-_") for token in _TOKEN.findall(text[:5000])}
    tokens = [token for token in tokens if any(char.isdigit() for char in token)][:500]
    mine = Order.objects.filter(customer=customer)
    if tokens:
        named = mine.filter(external_id__in=tokens).order_by("-placed_at").first()
        if named is not None:
            return named, OrderFoundBy.NUMBER
        tracked = Shipment.objects.filter(order__customer=customer, tracking_number__in=tokens).first()
        if tracked is not None:
            return tracked.order, OrderFoundBy.TRACKING
    recent = list(mine.filter(placed_at__gte=moment - RECENT).order_by("-placed_at")[:20])
    folded = text.casefold()
    lines = OrderLine.objects.filter(order__in=recent).values_list("order_id", "title")
    for order_id, title in lines:
        words = [word for word in re.findall(r"\w{4,}", title.casefold())]
        if title.casefold() in folded or (len(words) >= 2 and sum(word in folded for word in words) >= 2):
            return next(order for order in recent if order.pk == order_id), OrderFoundBy.PRODUCT
    delivered = set(Shipment.objects.filter(order__in=recent, delivered_at__isnull=False)
                    .values_list("order_id", flat=True))
    for order in recent:
        if order.state != OrderState.CANCELLED and order.pk not in delivered:
            return order, OrderFoundBy.RECENT
    return (recent[0], OrderFoundBy.RECENT) if recent else (None, "")


@dataclass(frozen=True)
class Understood:
    """A message as triage understands it, before anything is stored: the model's reading, the language, the
    order and how it was found, the reason's policy, and why it needs a person (None: it may be answered)."""

    reading: ModelReading
    language: str
    order: Order | None
    found_by: str
    policy: rules.Policy
    needs_person: str | None
    model: Model


def understand(text: str, *, customer: Customer | None, order: Order | None, moment: datetime) -> Understood:
    """Read one message: `order` is the one it is already known to be about, else triage looks for it."""
    model = current_model()
    reading = model.read([text])[0]
    spoken = language.detect(text, known=customer.language if customer else None, domain=reading.languages)
    if order is not None:
        found_by = OrderFoundBy.CONVERSATION
    else:
        order, found_by = order_about(customer, text, moment)
    policy = policies(model)[reading.reason]
    return Understood(reading=reading, language=spoken, order=order, found_by=found_by, policy=policy, model=model,
                      needs_person=rules.person_because(reading, language=spoken, policy=policy,
                                                        has_order=order is not None))


def message_read(message: Message, *, moment: datetime | None = None) -> Reading | None:
    """Triage one inbound message, once (a repeated call returns the reading already made)."""
    if message.direction != Direction.IN or message.automatic:
        return None
    existing = Reading.objects.filter(message=message).first()
    if existing is not None:
        return existing
    moment = moment or timezone.now()
    conversation = message.conversation
    first = _is_first(message)
    text = f"{message.subject}\n{message.body}" if first else message.body
    customer = conversation.customer
    understood = understand(text, customer=customer, order=conversation.order if conversation.order_id else None,
                            moment=moment)
    reading = understood.reading
    needs_person = understood.needs_person
    if needs_person is None and message.after_hint:
        needs_person = rules.Person.SAW_ANSWER
    if needs_person is None and not first:
        needs_person = rules.Person.CONVERSATION
    if needs_person is None and customer is None:
        needs_person = rules.Person.STRANGER
    stored = Reading.objects.create(
        message=message, conversation=conversation, language=understood.language, reason=reading.reason,
        confidence=reading.confidence, runner_up=reading.runner_up, abusive=reading.abusive,
        wants_person=reading.wants_person, order=understood.order, order_found_by=understood.found_by,
        model=understood.model.fingerprint, would_auto_answer=needs_person is None, needs_person=needs_person or "",
        created_at=moment,
    )
    _fill_in(conversation, stored, understood.policy, first=first)
    if stored.would_auto_answer:
        # Answered once the message is stored for good, whatever else the intake still does in its transaction.
        transaction.on_commit(lambda: tasks.answer_message.enqueue(stored.pk), robust=True)
    elif not first:
        _first_in_line_after_automatic_answer(conversation, message, moment)
    return stored


def _first_in_line_after_automatic_answer(conversation: Conversation, message: Message, moment: datetime) -> None:
    """The customer answered our automatic answer: it was not what they needed. A person takes it next, and they
    wait in line from when they first wrote, ahead of everyone who wrote since."""
    answered = (AutomaticAnswer.objects.filter(conversation=conversation, customer_replied_at__isnull=True)
                .select_related("reading__message").first())
    if answered is None:
        return
    answered.customer_replied_at = moment
    answered.save(update_fields=["customer_replied_at"])
    # The conversation object is the one the intake saves when it reopens the conversation: it keeps this.
    conversation.waiting_since = answered.reading.message.created_at
    conversation.save(update_fields=["waiting_since"])


def answer_reading(reading_id: int) -> bool:
    """The task: answer a message automatically if it still may be. Whether it was answered."""
    reading = Reading.objects.filter(pk=reading_id).select_related("order").first()
    return reading is not None and answering.answer(reading) is not None


def answers_overdue(*, now: datetime | None = None) -> int:
    """Answer what should have been answered and was not (the worker was down, the process died half-way):
    messages read within the last hour that may be answered and have no answer yet. Idempotent."""
    now = now or timezone.now()
    due = (Reading.objects.filter(would_auto_answer=True, answer__isnull=True,
                                  created_at__gte=now - answering.TOO_LATE)
           .select_related("order").order_by("pk"))
    return sum(answering.answer(reading, now=now) is not None for reading in due)


def _is_first(message: Message) -> bool:
    return not message.conversation.messages.filter(direction=Direction.IN, pk__lt=message.pk).exists()


def _fill_in(conversation: Conversation, reading: Reading, policy: rules.Policy, *, first: bool) -> None:
    """What nobody has said yet, triage says: the order, the reason (when sure), and for a new conversation in
    everyone's queue, the team that knows the subject. A person's choice is never overwritten."""
    changed = []
    if first and reading.language in language.OURS and reading.language != conversation.language:
        conversation.language = reading.language  # we answer in the language they wrote in
        changed.append("language")
    if conversation.order_id is None and reading.order_id is not None:
        conversation.order_id = reading.order_id
        changed.append("order")
    if not conversation.reason and reading.confidence >= policy.threshold:
        conversation.reason = reading.reason
        changed.append("reason")
    if first and conversation.queue == Queue.GENERAL and conversation.state == ConversationState.OPEN:
        team = rules.team_for(reason=reading.reason, confidence=reading.confidence, abusive=reading.abusive,
                              threshold=policy.threshold)
        if team in Queue.values:
            conversation.queue = team
            changed.append("queue")
    if changed:
        conversation.save(update_fields=changed)


def reading_correct(reading: Reading, *, by, changes: dict[str, str], moment: datetime | None = None) -> int:
    """An associate says what the message really was. Each changed field is recorded as a correction; a new
    reason becomes the conversation's too. Returns how many fields changed."""
    moment = moment or timezone.now()
    count = 0
    with transaction.atomic():
        current = labels_now(reading, reading.corrections.all())
        for field, now in changes.items():
            was = _as_text(current[field])
            if now == was:
                continue
            Correction.objects.create(reading=reading, field=field, was=was, now=now, by=by, at=moment)
            count += 1
            if field == Correction.Field.REASON:
                Conversation.objects.filter(pk=reading.conversation_id).update(reason=now)
    return count


def _as_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def labels_now(reading: Reading, corrections: Iterable[Correction]) -> dict:
    """What a message is, after its corrections (oldest first): reason, language, abusive, wants_person."""
    labels = {"reason": reading.reason, "language": reading.language, "abusive": reading.abusive,
              "wants_person": reading.wants_person}
    for correction in sorted(corrections, key=lambda c: c.at):
        flag = correction.field in (Correction.Field.ABUSIVE, Correction.Field.WANTS_PERSON)
        labels[correction.field] = correction.now == "true" if flag else correction.now
    return labels


def corrected_examples() -> Iterable[dict]:
    """Every corrected message as a training line (the format of triage/data), the corrections applied."""
    readings = (Reading.objects.filter(corrections__isnull=False).distinct()
                .select_related("message").prefetch_related("corrections").order_by("pk"))
    for reading in readings.iterator(chunk_size=500):
        yield {"text": reading.message.body, **labels_now(reading, reading.corrections.all())}
