"""Two changes:

- Every refund says why it was paid (`cause`), so a customer's refund pattern counts an associate's refund from
  a conversation as well as a reported problem's, and never a cancellation.
- Sellers' appeals against guarantee claims move to trust's one appeal machine: each becomes a trust Appeal
  about the claim (kind "guarantee_claim", the claim's report reference), with the deadline every appeal has;
  an appeal still open gets the promise of a decision by then, like every other.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def refund_causes(apps, schema_editor):
    Refund = apps.get_model("claims", "Refund")
    Refund.objects.filter(key__startswith="order:", key__endswith=":cancel-refund").update(cause="cancellation")
    Refund.objects.filter(report__problem="cancel").update(cause="cancellation")
    Refund.objects.filter(key__startswith="conversation:").update(cause="associate")


def appeals_to_trust(apps, schema_editor):
    ClaimAppeal = apps.get_model("claims", "ClaimAppeal")
    Appeal = apps.get_model("trust", "Appeal")
    Promise = apps.get_model("trust", "Promise")
    decide_within = timedelta(days=settings.ADVOCATE_APPEAL_DECISION_DAYS)
    for old in ClaimAppeal.objects.select_related("claim", "claim__report").order_by("pk"):
        if old.state != "open" and old.decided_by_id is None:
            raise RuntimeError(
                f"claim appeal {old.pk} was decided by an account that no longer exists; trust's appeals must name "
                "the person who decided. Restore that account (or set decided_by) and migrate again.")
        reference = old.claim.report.reference
        appeal = Appeal.objects.create(
            subject_kind="guarantee_claim", subject_reference=reference, seller_id=old.claim.seller_id,
            statement=old.statement, channel="web", filed_by_id=old.filed_by_id, filed_at=old.filed_at,
            due_at=old.filed_at + decide_within, state=old.state, decided_by_id=old.decided_by_id,
            decided_at=old.decided_at, reasons=old.decision_note)
        if old.state == "open":
            Promise.objects.get_or_create(key=f"appeal:{appeal.pk}", defaults={
                "seller_id": old.claim.seller_id, "what": f"Decide appeal against {reference}",
                "link": f"/service/reviews/appeals/{appeal.pk}/", "made_at": old.filed_at, "due_at": appeal.due_at})


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0006_instruction_feed_to_commerce'),
        ('trust', '0003_appeal_states'),
    ]

    operations = [
        migrations.AddField(
            model_name='refund',
            name='cause',
            field=models.CharField(choices=[('problem', 'A problem the customer reported'), ('cancellation', 'The order was cancelled'), ('associate', 'Given by a service associate')], default='problem', help_text="Why: cancellations are not counted in a customer's refund pattern.", max_length=16),
        ),
        migrations.RunPython(refund_causes, migrations.RunPython.noop),
        migrations.RunPython(appeals_to_trust, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='claimappeal',
            name='appeal_one_open_per_claim',
        ),
        migrations.DeleteModel(
            name='ClaimAppeal',
        ),
    ]
