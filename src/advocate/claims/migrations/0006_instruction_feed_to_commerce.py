"""The shop's instruction feed moves to commerce (see `commerce.0003_instruction_feed`): its tables are renamed,
their rows kept."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0005_alter_instruction_order'),
        ('commerce', '0003_instruction_feed'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable('instruction', 'commerce_instruction'),
                migrations.AlterModelTable('instructioncounter', 'commerce_instructioncounter'),
            ],
            state_operations=[
                migrations.DeleteModel('instruction'),
                migrations.DeleteModel('instructioncounter'),
            ],
        ),
    ]
