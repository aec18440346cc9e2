"""The demo's ground truth moves out of commerce into the demo package: the table is renamed, its rows kept
(see `commerce.0004_demoscenario_moves_to_demo`)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('commerce', '0004_demoscenario_moves_to_demo'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL('ALTER TABLE commerce_demoscenario RENAME TO demo_demoscenario',
                                  reverse_sql='ALTER TABLE demo_demoscenario RENAME TO commerce_demoscenario'),
            ],
            state_operations=[
                migrations.CreateModel(
                    name='DemoScenario',
                    fields=[
                        ('order', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='commerce.order')),
                        ('kind', models.CharField(db_index=True, max_length=32)),
                    ],
                ),
            ],
        ),
    ]
