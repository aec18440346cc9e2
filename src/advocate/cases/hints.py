"""What the contact form shows before a message is sent: the likely answer, from the domains that know it (triage
reads the message and looks the facts up). Plain Python: a higher app registers a source, cases asks it."""

from collections.abc import Callable
from dataclasses import dataclass, field

from advocate.core.registry import Registry


@dataclass(frozen=True)
class Hint:
    title: str  # "Is this about order A-1001?"
    paragraphs: list[str]
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, URL): the one-click actions


@dataclass(frozen=True)
class HintSource:
    name: str
    hint: Callable[..., Hint | None]  # (customer=, subject=, body=, order=, now=) -> Hint | None
    order: int = 100


CONTACT_HINTS: Registry[HintSource] = Registry("contact form hint")


def contact_hint(**message) -> Hint | None:
    """The first hint a registered source has for this message, or None."""
    for source in CONTACT_HINTS:
        found = source.hint(**message)
        if found is not None:
            return found
    return None
