from django import template

from advocate.core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """{{ refund.amount|money:refund.currency }} — in the language of the page."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
