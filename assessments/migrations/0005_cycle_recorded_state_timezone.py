"""A cycle's stored state becomes ``recorded_state`` (same column), read through the derived
``Cycle.state``; cycles get a time zone."""

import assessments.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_email_run"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The column keeps its name: only Django's name for the field changes.
            state_operations=[
                migrations.RenameField(
                    model_name="cycle", old_name="state", new_name="recorded_state"
                ),
                migrations.AlterField(
                    model_name="cycle",
                    name="recorded_state",
                    field=models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("open", "Open"),
                            ("closed", "Closed"),
                            ("released", "Released"),
                        ],
                        db_column="state",
                        default="draft",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="cycle",
            name="timezone",
            field=models.CharField(
                default=assessments.models.cycle_timezone_default,
                help_text="The window's times, and the day a response counts for, are in this zone.",
                max_length=64,
                validators=[assessments.models.timezone_validate],
                verbose_name="time zone",
            ),
        ),
    ]
