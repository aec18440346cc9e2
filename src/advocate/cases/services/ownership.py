"""Who has a conversation: an associate takes it, or hands it to a colleague, or back to nobody. Every change is
in the conversation's timeline. With ADVOCATE_ROUND_ROBIN on, a new conversation goes at once to whoever is on
shift today (the rota) with the fewest conversations not yet resolved."""

from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.accounts.decorators import is_staff
from advocate.accounts.models import Role, User
from advocate.core.db import retrying_write
from advocate.core.errors import Forbidden, Invalid

from ..models import ActionKind, Conversation, ConversationState
from .common import record_action


def _name(user) -> str:
    return user.get_short_name() or user.get_username()


def conversation_take(*, conversation: Conversation, by, now: datetime | None = None) -> Conversation:
    """The associate takes the conversation for themselves (from nobody, or from a colleague)."""
    return conversation_assign(conversation=conversation, by=by, to=by, now=now)


def conversation_assign(*, conversation: Conversation, by, to, now: datetime | None = None) -> Conversation:
    """Give the conversation to a colleague, to oneself, or back to nobody (`to=None`). Only service staff
    assign, and only to service staff still with us. Assigning it to whoever has it already changes nothing."""
    if not is_staff(by):
        raise Forbidden("not_staff", _("Only service staff assign conversations."))
    if to is not None and not (to.is_active and is_staff(to)):
        raise Invalid("not_staff", _("Conversations go only to service staff."), field="owner")

    def work():
        current = Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list(
            "owner_id", flat=True).first()
        wanted = to.pk if to is not None else None
        conversation.owner_id, conversation.owner = wanted, to
        if current == wanted:
            return conversation
        moment = now or timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(owner=to)
        if to is None:
            record_action(conversation, ActionKind.UNASSIGN, by, "", moment)
        elif to.pk == by.pk:
            record_action(conversation, ActionKind.TAKE, by, "", moment)
        else:
            record_action(conversation, ActionKind.ASSIGN, by, _name(to), moment)
        return conversation

    return retrying_write(work)


def owner_on_shift(*, today=None):
    """Who on today's rota has the fewest conversations not yet resolved (by name when equal); None if
    nobody is on shift."""
    today = today or timezone.localdate()
    on_shift = User.objects.filter(
        Q(role__in=[Role.ASSOCIATE, Role.OPERATOR]) | Q(is_superuser=True), is_active=True,
        duty_shifts__day=today).distinct()
    counts = dict(Conversation.objects.filter(owner__in=on_shift).exclude(state=ConversationState.RESOLVED)
                  .values_list("owner_id").annotate(n=Count("*")).order_by())
    people = sorted(on_shift, key=lambda person: (counts.get(person.pk, 0), person.username))
    return people[0] if people else None


def conversation_route(conversation: Conversation, moment: datetime) -> None:
    """A new conversation, with round-robin on: to the person on shift with the fewest open conversations.
    Called inside the transaction that created it; recorded as assigned by nobody (the system)."""
    if not settings.ADVOCATE_ROUND_ROBIN or conversation.owner_id is not None:
        return
    person = owner_on_shift(today=timezone.localdate(moment))
    if person is None:
        return
    Conversation.objects.filter(pk=conversation.pk).update(owner=person)
    conversation.owner = person
    record_action(conversation, ActionKind.ASSIGN, None, _name(person), moment)
