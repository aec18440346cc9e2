"""Decisions other domains own that can be appealed through trust's one appeal machine (a guarantee claim
decided against a seller). The owning domain registers its kind from its `AppConfig.ready`; trust then gives
every such appeal the same deadline, promise, receipt, audit entry and decision by a person as an appeal
against an account action."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from advocate.core.registry import Registry


@dataclass(frozen=True)
class AppealSubject:
    name: str  # the kind, stored on the appeal: "guarantee_claim"
    title: Callable[[str], str]  # reference -> what it is, for the audit log and the staff's lists
    link: Callable[..., str]  # (appeal) -> where a person decides it
    decided: Callable[..., object]  # (appeal, reverse, by, now) -> the domain's own effects, in the same transaction
    tell_decided: Callable[..., object] | None = None  # (appeal) -> tell the person; None: trust's own notice
    page: str = ""  # where the person who appealed follows it (a URL name taking the reference); "": Decisions
    order: int = 100


APPEAL_SUBJECTS: Registry[AppealSubject] = Registry("appeal subject")


def subject_of(kind: str) -> AppealSubject:
    subject = APPEAL_SUBJECTS.get(kind)
    if subject is None:
        raise LookupError(f"no appeal subject registered as {kind!r}")
    return subject


def title_of(appeal) -> str:
    """What an appeal is against, as staff lists and the audit log name it."""
    if appeal.action_id:
        return appeal.action.reference
    return subject_of(appeal.subject_kind).title(appeal.subject_reference)


def decide_link(appeal) -> str:
    """Where a person decides this appeal: trust's own page for an account action, the owner's page otherwise."""
    if appeal.action_id:
        return f"/operations/appeals/{appeal.pk}/"
    return subject_of(appeal.subject_kind).link(appeal)


@dataclass(frozen=True)
class AppealOn:
    """What another domain's appeal is about, as it passes it to `appeal_file`: the kind and reference, who is
    appealing (a seller or a customer), and until when the decision may be appealed."""

    kind: str
    reference: str
    appeal_until: datetime
    seller: object = None
    customer: object = None
