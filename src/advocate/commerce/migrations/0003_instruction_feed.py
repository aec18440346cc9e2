"""The shop's instruction feed belongs to commerce (every domain publishes to it). The table is created by claims'
first migrations and renamed by `claims.0006_instruction_feed_to_commerce`; here only Django's picture of it
moves, so no row is copied."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commerce', '0002_customer_customer_email_lower'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Instruction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sequence', models.BigIntegerField(unique=True)),
                        ('key', models.CharField(max_length=80, unique=True)),
                        ('kind', models.CharField(choices=[('refund', 'Pay a refund'), ('replacement', 'Send a replacement'), ('return_label', 'Send a return label'), ('order_cancel', 'Stop an order'), ('credit', 'Give goodwill credit'), ('upgrade_shipping', 'Upgrade shipping'), ('seller_status', "Change a seller's selling status"), ('listing', 'Take a listing down or put it back')], max_length=32)),
                        ('payload', models.JSONField()),
                        ('created_at', models.DateTimeField()),
                        ('order', models.ForeignKey(blank=True, help_text='Empty for instructions about a seller or a listing.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='commerce.order')),
                    ],
                ),
                migrations.CreateModel(
                    name='InstructionCounter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.BigIntegerField(default=0)),
                    ],
                ),
            ],
            database_operations=[],
        ),
    ]
