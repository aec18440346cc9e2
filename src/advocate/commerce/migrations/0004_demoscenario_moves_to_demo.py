"""DemoScenario belongs to the demo package (`demo.0001_initial` renames its table); here only Django's
picture of it leaves commerce."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('commerce', '0003_instruction_feed'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel('DemoScenario')],
            database_operations=[],
        ),
    ]
