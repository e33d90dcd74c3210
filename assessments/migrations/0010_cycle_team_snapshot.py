"""``Cycle.teams`` gets a through model, ``CycleTeam``, on the table Django made for it, which
gains the team's name, slug and department as the cycle keeps them (filled by 0007)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0009_cycle_reminders_release_notices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table, its columns and its unique index exist: only Django's picture changes.
            state_operations=[
                migrations.CreateModel(
                    name="CycleTeam",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "cycle",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cycle_teams",
                                to="assessments.cycle",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cycle_teams",
                                to="assessments.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assessments_cycle_teams",
                        "unique_together": {("cycle", "team")},
                    },
                ),
                migrations.AlterField(
                    model_name="cycle",
                    name="teams",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="cycles",
                        through="assessments.CycleTeam",
                        through_fields=("cycle", "team"),
                        to="assessments.team",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="cycleteam",
            name="name",
            field=models.CharField(blank=True, max_length=160, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="cycleteam",
            name="slug",
            field=models.SlugField(blank=True, db_index=False, max_length=180, verbose_name="slug"),
        ),
        migrations.AddField(
            model_name="cycleteam",
            name="department",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="assessments.team",
                verbose_name="department",
            ),
        ),
        migrations.AddField(
            model_name="cycleteam",
            name="department_name",
            field=models.CharField(blank=True, max_length=160, verbose_name="department name"),
        ),
        migrations.AddField(
            model_name="cycleteam",
            name="department_slug",
            field=models.SlugField(
                blank=True, db_index=False, max_length=180, verbose_name="department slug"
            ),
        ),
    ]
