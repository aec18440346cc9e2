"""The operators' switches for the proactive rules (`/operations/remedies/`): read, checked as typed, saved."""

from dataclasses import asdict
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from . import rules
from .models import RemedySettings


def settings_row() -> RemedySettings | None:
    return RemedySettings.objects.select_related("updated_by").first()


_FIELDS = [name for name in asdict(rules.Settings())]


def settings_current() -> rules.Settings:
    row = settings_row()
    if row is None:
        return rules.Settings()
    return rules.Settings(**{name: getattr(row, name) for name in _FIELDS})


def settings_parse(typed: dict[str, str]) -> tuple[rules.Settings, dict[str, str]]:
    """The settings as an operator typed them (checkboxes: "on"), with an error message per bad field."""
    errors: dict[str, str] = {}

    def whole(name: str, low: int, high: int) -> int:
        try:
            value = int(typed.get(name, "").strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            errors[name] = _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
            return getattr(rules.Settings, name)
        return value

    def amount(name: str, high: Decimal) -> Decimal:
        try:
            value = Decimal(typed.get(name, "").strip().replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= high:
            errors[name] = _("Enter an amount from 0 to %(high)s.") % {"high": high}
            return getattr(rules.Settings, name)
        return value.quantize(Decimal("0.01"))

    credit_for = typed.get("credit_for", "")
    if credit_for not in rules.CreditFor:
        errors["credit_for"] = _("Choose who gets a credit.")
    remedy = typed.get("remedy", "")
    if remedy not in rules.Remedy:
        errors["remedy"] = _("Choose what is done when a parcel stays lost.")
    chosen = rules.Settings(
        late_on=typed.get("late_on") == "on", ship_grace_hours=whole("ship_grace_hours", 0, 240),
        credit_for=rules.CreditFor(credit_for) if not errors.get("credit_for") else rules.Settings.credit_for,
        credit_percent=amount("credit_percent", Decimal(100)), monthly_budget=amount("monthly_budget", Decimal(10**9)),
        stalled_on=typed.get("stalled_on") == "on", stalled_days=whole("stalled_days", 1, 30),
        remedy_days=whole("remedy_days", 1, 30),
        remedy=rules.Remedy(remedy) if not errors.get("remedy") else rules.Settings.remedy,
        digital_on=typed.get("digital_on") == "on", playback_threshold=amount("playback_threshold", Decimal(1)),
        price_on=typed.get("price_on") == "on", price_days=whole("price_days", 1, 365),
        elsewhere_on=typed.get("elsewhere_on") == "on",
        delight_on=typed.get("delight_on") == "on", loyal_orders=whole("loyal_orders", 1, 1000),
        delight_percent=whole("delight_percent", 0, 100), delight_budget=whole("delight_budget", 0, 1_000_000))
    return chosen, errors


def settings_save(*, chosen: rules.Settings, by) -> None:
    RemedySettings.objects.update_or_create(pk=1, defaults={**asdict(chosen), "updated_by": by})
