"""Turn the public Bitext customer-support set (English; CDLA-Sharing-1.0) into triage training lines.

    uv run python tools/triage_public.py PATH/TO/bitext-customer-support.csv

writes src/advocate/triage/data/public_en.jsonl. Bitext's intents are its own: only those that mean one of our
contact reasons unambiguously are kept (its "get refund" could be a return or a refund chase, its "delete
account" is about its own account tiers, so they are left out), at most PER_INTENT lines each so the public set
does not drown our own examples. Its offensive variants swear about the situation, not at people: abusive is
false for all of them.
"""

import csv
import json
import random
import re
import sys
from pathlib import Path

PER_INTENT = 80
MAPPING = {
    "track_order": "order_status", "delivery_period": "order_status",
    "cancel_order": "cancel_order", "check_cancellation_fee": "cancel_order",
    "track_refund": "refund_status", "check_refund_policy": "return_request",
    "change_shipping_address": "change_delivery", "set_up_shipping_address": "change_delivery",
    "delivery_options": "product_question",
    "payment_issue": "payment_problem", "check_payment_methods": "payment_problem",
    "check_invoice": "payment_problem", "get_invoice": "payment_problem",
    "recover_password": "account_access", "registration_problems": "account_access",
    "edit_account": "account_access", "create_account": "account_access",
    "contact_human_agent": "talk_to_human", "contact_customer_service": "talk_to_human",
    "complaint": "feedback", "review": "feedback", "newsletter_subscription": "other",
}
PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")
OUT = Path(__file__).resolve().parents[1] / "src/advocate/triage/data/public_en.jsonl"


def main(source: str) -> None:
    rows = list(csv.DictReader(open(source, encoding="utf-8")))
    random.Random(7).shuffle(rows)
    taken: dict[str, int] = {}
    lines = []
    for row in rows:
        reason = MAPPING.get(row["intent"])
        if reason is None or taken.get(row["intent"], 0) >= PER_INTENT:
            continue
        taken[row["intent"]] = taken.get(row["intent"], 0) + 1
        text = PLACEHOLDER.sub("A-1042", row["instruction"]).strip()
        lines.append({"text": text, "reason": reason, "abusive": False, "wants_person": reason == "talk_to_human"})
    with OUT.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(lines)} lines → {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
