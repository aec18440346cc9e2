"""Starting values an operator can change: the marketplace's default policy (the rules' defaults, written
out so the policy page shows them) and approximate exchange rates for comparing amounts with thresholds."""

from decimal import Decimal

from django.db import migrations

# Units of each currency per euro (approximate; used only to compare amounts with policy thresholds).
RATES = {"EUR": "1", "USD": "1.08", "GBP": "0.85", "CNY": "7.8", "SAR": "4.05", "RUB": "95", "JPY": "160",
         "AED": "3.97", "CHF": "0.95", "SEK": "11.4", "PLN": "4.3", "CAD": "1.47", "AUD": "1.64"}


# The marketplace's default policy, as the rules' defaults were when this was written.
POLICY = {"return_window_days": 30, "change_of_mind_returns": True, "returnless_under": Decimal("25"),
          "refund_on_first_scan": True, "photo_required_for": [], "auto_approve_up_to": Decimal("500"),
          "problem_window_days": 90, "not_received_grace_days": 3, "seller_response_hours": 48,
          "refund_at_once_under": Decimal("50"), "return_refund_days": 7}


def forwards(apps, schema_editor):
    CurrencyRate = apps.get_model("claims", "CurrencyRate")
    PolicyLayer = apps.get_model("claims", "PolicyLayer")
    for currency, rate in RATES.items():
        CurrencyRate.objects.get_or_create(currency=currency, defaults={"per_base": Decimal(rate)})
    PolicyLayer.objects.get_or_create(seller=None, category="", defaults=POLICY)
    apps.get_model("claims", "InstructionCounter").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
