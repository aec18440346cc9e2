from babel.numbers import format_percent
from django import template
from django.utils.translation import get_language, to_locale

from advocate.claims import presenters

register = template.Library()

register.filter("problem_label", presenters.problem_label)
register.simple_tag(presenters.outcome, name="outcome_of")
register.simple_tag(presenters.claim_seller_sentence, name="claim_sentence")
register.simple_tag(presenters.refund_sentence, name="refund_line")
register.filter("for_seller", presenters.mask_contact_details)
register.filter("other_settings", presenters.layer_other_settings)


@register.filter
def reason_label(reason: str) -> str:
    return str(presenters.REASON_LABELS.get(reason, reason))


@register.simple_tag
def email_subject(event, order=None, claim=None) -> str:
    return presenters.email_subject(event, order=order, claim=claim)


@register.simple_tag
def problem_hint(problem) -> str:
    return str(presenters.PROBLEM_HINTS[problem])


@register.simple_tag
def option_notes(options, seller_ships) -> list[str]:
    return presenters.option_notes(options, seller_ships=seller_ships)


@register.filter
def field(form, name: str):
    """{{ form|field:name }} — a bound field whose name is in a variable."""
    return form[name]


@register.filter
def percent(share: float) -> str:
    """0.042 -> "4.2%" as the reader's language writes it."""
    return format_percent(share, "#,##0.#%", locale=to_locale(get_language() or "en"))
