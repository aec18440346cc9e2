"""Appeals against decisions other domains own (a guarantee claim), beside those against account actions."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def who_appealed(apps, schema_editor):
    """Appeals made before now were all against account actions: the person is the action's."""
    Appeal = apps.get_model("trust", "Appeal")
    for appeal in Appeal.objects.select_related("action"):
        appeal.seller_id, appeal.customer_id = appeal.action.seller_id, appeal.action.customer_id
        appeal.save(update_fields=["seller", "customer"])


class Migration(migrations.Migration):

    dependencies = [
        ('commerce', '0004_demoscenario_moves_to_demo'),
        ('trust', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='appeal',
            name='customer',
            field=models.ForeignKey(blank=True, help_text='…or a customer.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='commerce.customer'),
        ),
        migrations.AddField(
            model_name='appeal',
            name='seller',
            field=models.ForeignKey(blank=True, help_text='Who appealed: a seller…', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='commerce.seller'),
        ),
        migrations.AddField(
            model_name='appeal',
            name='subject_kind',
            field=models.CharField(blank=True, help_text='Empty: an account action.', max_length=32),
        ),
        migrations.AddField(
            model_name='appeal',
            name='subject_reference',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='action',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='appeals', to='trust.accountaction'),
        ),
        migrations.RunPython(who_appealed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(fields=['subject_kind', 'subject_reference'], name='trust_appea_subject_fd09c3_idx'),
        ),
        migrations.AddConstraint(
            model_name='appeal',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'open'), models.Q(('subject_kind', ''), _negated=True)), fields=('subject_kind', 'subject_reference'), name='one_open_appeal_per_subject'),
        ),
        migrations.AddConstraint(
            model_name='appeal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('action__isnull', False), ('subject_kind', '')), models.Q(('action__isnull', True), models.Q(('subject_kind', ''), _negated=True), models.Q(('subject_reference', ''), _negated=True)), _connector='OR'), name='appeal_has_one_subject'),
        ),
    ]
