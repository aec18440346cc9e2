"""Amounts of money as a reader of each language writes them (€24.95, 24,95 €, ٢٤٫٩٥ ر.س.), via Babel's CLDR data."""

from decimal import Decimal

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django.utils.translation import get_language, to_locale


def format_money(amount: Decimal | int | str, currency: str, language: str | None = None) -> str:
    locale = to_locale(language or get_language() or "en")
    try:
        return format_currency(Decimal(amount), currency, locale=locale)
    except (UnknownLocaleError, ValueError):
        return f"{Decimal(amount):.2f} {currency}"
