"""What automatic answers settle, and the operators' switches for them.

Resolved with no person: a conversation whose first message got an automatic answer, and in the 7 days after
the answer the customer did not come back about the same order or the same reason on any channel — no later
message of theirs (a reply to the answer included) read as about that order or that reason, no callback
booked about that order, no problem report on it that went to a person (other than the one the answer filed
for them). A conversation younger than 7 days cannot be judged yet, answered or not: it is left out of the
share until it can.

The switches are the `AnswerPolicy` rows; trying other switches on the last 30 days' readings uses what was
stored when each message was read (reason, confidence, abuse, wish for a person, language, order) with the
same rule as on arrival (`rules.person_because`), without reading a message again.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from advocate.cases.models import Callback, Direction, Message
from advocate.claims.models import ProblemReport
from advocate.core.errors import Invalid
from advocate.core.reasons import ContactReason

from . import rules, services
from .models import AnswerPolicy, Correction, Reading

PERIODS = (7, 30, 90)
SETTLED = timedelta(days=7)  # how long after an answer a customer's silence counts as resolved
TRY_DAYS = 30  # the readings a proposed setting is tried on


# --- what automatic answers settled -----------------------------------------------------------------------


def first_readings() -> QuerySet[Reading]:
    """Readings of the first inbound message of their conversation: one per conversation that came in."""
    earlier = Message.objects.filter(conversation_id=OuterRef("conversation_id"), direction=Direction.IN,
                                     pk__lt=OuterRef("message_id"))
    return Reading.objects.filter(~Exists(earlier))


def _final_reason() -> Subquery:
    """The reason a person last corrected a reading to (None when nobody did)."""
    return Subquery(Correction.objects.filter(reading=OuterRef("pk"), field=Correction.Field.REASON)
                    .order_by("-at", "-pk").values("now")[:1])


def _came_back() -> Q:
    """For a reading with an automatic answer: the customer came back within 7 days of the answer about the
    same order or the same reason, on any channel."""
    answered = OuterRef("answer__created_at")
    until = ExpressionWrapper(OuterRef("answer__created_at") + SETTLED, output_field=DateTimeField())
    customer = OuterRef("conversation__customer_id")
    wrote = (Reading.objects.filter(conversation__customer_id=customer, created_at__gt=answered,
                                    created_at__lte=until)
             .filter(Q(order_id=OuterRef("order_id")) | Q(reason=OuterRef("reason")))
             .exclude(pk=OuterRef("pk")))
    called = Callback.objects.filter(conversation__customer_id=customer, conversation__order_id=OuterRef("order_id"),
                                     created_at__gt=answered, created_at__lte=until)
    reported = (ProblemReport.objects.filter(customer_id=customer, order_id=OuterRef("order_id"), went_to_person=True,
                                             created_at__gt=answered, created_at__lte=until)
                .exclude(pk=Coalesce(OuterRef("answer__report_id"), Value(0), output_field=BigIntegerField())))
    replied = Q(answer__customer_replied_at__isnull=False,
                answer__customer_replied_at__lte=F("answer__created_at") + SETTLED)
    return replied | Q(Exists(wrote)) | Q(Exists(called)) | Q(Exists(reported))


@dataclass
class Figures:
    """One line of the page: conversations in, answered automatically, and what came of the answers."""

    key: str = ""
    label: str = ""
    conversations: int = 0  # whose first message was read in the days
    answered: int = 0  # got an automatic answer
    waiting: int = 0  # came in less than 7 days ago: not counted either way yet
    resolved: int = 0  # … 7 days or more ago, and the customer did not come back about it
    corrected: int = 0  # answers whose reason a person corrected to another

    def add(self, other: "Figures") -> None:
        for name in ("conversations", "answered", "waiting", "resolved", "corrected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def counted(self) -> int:
        """The share's denominator: every conversation but those whose answer is still within 7 days."""
        return self.conversations - self.waiting

    @property
    def share(self) -> float | None:
        return 100 * self.resolved / self.counted if self.counted else None

    @property
    def corrected_share(self) -> float | None:
        return 100 * self.corrected / self.answered if self.answered else None


def overview(*, days: int, now: datetime) -> dict:
    """The conversations that came in over the last `days` days, and what automatic answers settled: overall,
    by the reason triage read and by the language it read. One query, grouped in the database."""
    settled_before = now - SETTLED
    answered = Q(answer__isnull=False)
    # A conversation less than 7 days old cannot be judged yet, answered or not: out of the share until it can.
    waiting = Q(created_at__gt=settled_before)
    settled = answered & Q(answer__created_at__lte=settled_before)
    corrected = answered & Q(final_reason__isnull=False) & ~Q(final_reason=F("reason"))
    rows = (first_readings().filter(created_at__gt=now - timedelta(days=days), created_at__lte=now)
            .annotate(final_reason=_final_reason())
            .values("reason", "language")
            .annotate(conversations=Count("pk"), answered=Count("pk", filter=answered),
                      waiting=Count("pk", filter=waiting), resolved=Count("pk", filter=settled & ~_came_back()),
                      corrected=Count("pk", filter=corrected))
            .order_by())
    total, reasons, languages = Figures(), {}, {}
    names = dict(settings.LANGUAGES)
    for row in rows:
        figures = Figures(**{name: row[name] for name in ("conversations", "answered", "waiting", "resolved",
                                                           "corrected")})
        total.add(figures)
        reasons.setdefault(row["reason"], Figures(key=row["reason"], label=_reason_label(row["reason"]))).add(figures)
        languages.setdefault(row["language"], Figures(key=row["language"], label=names.get(row["language"],
                                                                                        row["language"]))).add(figures)

    def ordered(lines):
        return sorted(lines.values(), key=lambda line: (-line.conversations, line.label))

    return {"total": total, "days": days, "settled_days": SETTLED.days, "breakdowns": [
        {"id": "by-reason", "title": _("By reason"), "heading": _("Reason as read"), "lines": ordered(reasons)},
        {"id": "by-language", "title": _("By language"), "heading": _("Language"), "lines": ordered(languages)},
    ]}


def _reason_label(reason: str) -> str:
    return str(ContactReason(reason).label) if reason in ContactReason.values else reason


# --- the switches -----------------------------------------------------------------------------------------


def threshold_value(reason: str, typed) -> float | None:
    """The threshold an operator typed: None for blank (the model's tuned one), else a number from 0 to 1 —
    anything else is refused, naming the reason."""
    if typed is None:
        return None
    if isinstance(typed, str):
        text = typed.strip().replace("٫", ".").replace(",", ".")  # the Arabic decimal separator, a comma
        if not text:
            return None
        try:
            number = float(text)  # Arabic-Indic and other Unicode digits are read too
        except ValueError:
            number = float("nan")
    else:
        number = float(typed)
    if not 0 <= number <= 1:  # also refuses NaN
        raise Invalid("threshold_out_of_range",
                      _("The threshold for “%(reason)s” must be a number from 0 to 1, such as 0.75 (or blank for "
                        "the model's own).") % {"reason": _reason_label(reason)},
                      field=f"threshold_{reason}")
    return number


def choices_check(choices: Mapping[str, Mapping]) -> dict[str, str]:
    """Every reason whose choice is refused, with why (empty when all may be saved or tried)."""
    errors = {}
    for reason, choice in choices.items():
        if reason not in rules.AUTOMATIC:
            errors[reason] = _("“%(reason)s” is never answered automatically.") % {"reason": _reason_label(reason)}
            continue
        try:
            threshold_value(reason, choice.get("threshold"))
        except Invalid as refused:
            errors[reason] = str(refused)
    return errors


def _proposed(choices: Mapping[str, Mapping]) -> dict[str, tuple[bool, float | None]]:
    """The choices as values, or the first refusal."""
    errors = choices_check(choices)
    if errors:
        reason = next(iter(errors))
        raise Invalid("choice_refused", errors[reason], field=f"threshold_{reason}")
    return {reason: (bool(choice.get("automatic")), threshold_value(reason, choice.get("threshold")))
            for reason, choice in choices.items()}


def policies_save(*, by, choices: Mapping[str, Mapping]) -> int:
    """An operator switches automatic answers on or off per reason and sets how sure the model must be
    (None: its tuned threshold). `choices` is {reason: {"automatic": bool, "threshold": number, text or None}};
    reasons left out stay as they are. Writes a row only where the choice differs from what holds now; returns
    how many reasons changed. Nothing is written if any choice is refused."""
    proposed = _proposed(choices)
    changed = 0
    with transaction.atomic():
        rows = {row.reason: row for row in AnswerPolicy.objects.select_for_update().filter(reason__in=proposed)}
        for reason, (automatic, threshold) in proposed.items():
            row = rows.get(reason)
            now = (row.automatic, row.threshold) if row else (True, None)
            if now == (automatic, threshold):
                continue
            AnswerPolicy.objects.update_or_create(
                reason=reason, defaults={"automatic": automatic, "threshold": threshold, "updated_by": by})
            changed += 1
    return changed


@dataclass
class Switch:
    """One reason's row of the form."""

    reason: str
    label: str
    automatic: bool
    threshold: str  # as stored, or as typed when the form comes back
    tuned: str  # the model's own threshold, for the placeholder
    error: str = ""
    row: AnswerPolicy | None = field(default=None, repr=False)


def switches(*, typed: Mapping[str, Mapping] | None = None, errors: Mapping[str, str] | None = None) -> list[Switch]:
    """The form: every reason that may be answered automatically, as saved — or as typed, when it comes back."""
    tuned = services.current_model().thresholds
    rows = {row.reason: row for row in AnswerPolicy.objects.filter(reason__in=rules.AUTOMATIC)
            .select_related("updated_by")}
    found = []
    for reason in rules.AUTOMATIC:
        row = rows.get(reason)
        if typed is not None and reason in typed:
            automatic, threshold = bool(typed[reason].get("automatic")), str(typed[reason].get("threshold") or "")
        else:
            automatic = row.automatic if row else True
            threshold = "" if row is None or row.threshold is None else str(row.threshold)
        found.append(Switch(reason=reason, label=_reason_label(reason), automatic=automatic, threshold=threshold,
                            tuned=f"{tuned[reason]:.2f}" if reason in tuned else "", row=row,
                            error=(errors or {}).get(reason, "")))
    return found


# --- trying other switches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    """What `rules.person_because` reads of a reading, as stored."""

    reason: str
    confidence: float
    abusive: bool
    wants_person: bool


@dataclass
class Tried:
    key: str
    label: str
    now: int = 0  # answered by the switches that hold now
    proposed: int = 0  # answered by the switches tried
    now_wrong: int = 0  # … of those, corrected by a person to another reason
    proposed_wrong: int = 0


def dry_run(*, choices: Mapping[str, Mapping], now: datetime) -> dict:
    """How many of the last 30 days' first messages the switches that hold now would answer automatically, and
    how many the proposed ones would — and how many of each a person corrected to another reason. Saves
    nothing. Refuses (Invalid) a proposal that could not be saved either."""
    proposed = _proposed(choices)
    model = services.current_model()
    current = services.policies(model)
    trying = {reason: rules.Policy(automatic=automatic,
                                   threshold=threshold if threshold is not None else model.thresholds[reason])
              for reason, (automatic, threshold) in proposed.items()}
    lines = {reason: Tried(key=reason, label=_reason_label(reason)) for reason in rules.AUTOMATIC}
    rows = (first_readings().filter(created_at__gt=now - timedelta(days=TRY_DAYS), created_at__lte=now,
                                    reason__in=rules.AUTOMATIC)
            .annotate(final_reason=_final_reason())
            .values_list("reason", "confidence", "abusive", "wants_person", "language", "order_id",
                         "conversation__customer_id", "final_reason"))
    for reason, confidence, abusive, wants_person, spoken, order_id, customer_id, final in rows.iterator(2000):
        if customer_id is None:  # a stranger's message is never answered automatically
            continue
        stored = _Stored(reason=reason, confidence=confidence, abusive=abusive, wants_person=wants_person)
        wrong = final is not None and final != reason
        line = lines[reason]
        for policy, answered, missed in ((current[reason], "now", "now_wrong"),
                                         (trying.get(reason, current[reason]), "proposed", "proposed_wrong")):
            if rules.person_because(stored, language=spoken, policy=policy, has_order=order_id is not None) is None:
                setattr(line, answered, getattr(line, answered) + 1)
                setattr(line, missed, getattr(line, missed) + wrong)
    total = Tried(key="", label=_("All"))
    for line in lines.values():
        for name in ("now", "proposed", "now_wrong", "proposed_wrong"):
            setattr(total, name, getattr(total, name) + getattr(line, name))
    return {"lines": list(lines.values()), "total": total, "days": TRY_DAYS}
