"""Every cycle's teams take their name, slug and department from the teams as they are now: the
best record there is of what existing cycles were opened with (from here on, a cycle keeps its
own)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill_cycle_team_snapshot(apps, schema_editor):
    CycleTeam = apps.get_model("assessments", "CycleTeam")
    Team = apps.get_model("assessments", "Team")
    team = Team.objects.filter(pk=OuterRef("team_id"))
    CycleTeam.objects.update(
        name=Subquery(team.values("name")[:1]),
        slug=Subquery(team.values("slug")[:1]),
        department_id=Subquery(team.values("parent_id")[:1]),
        department_name=Coalesce(
            Subquery(team.values("parent__name")[:1]), Value(""), output_field=models.CharField()
        ),
        department_slug=Coalesce(
            Subquery(team.values("parent__slug")[:1]), Value(""), output_field=models.CharField()
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_cycle_team_snapshot"),
    ]

    operations = [
        migrations.RunPython(fill_cycle_team_snapshot, migrations.RunPython.noop, elidable=True),
    ]
