"""Shared links made before they had a headcount take their team's members on file (at least
one), and count the visits that submitted; those visits are marked as the link's, so they leave
the counts of invitations (they were never invitations of a person)."""

from django.db import migrations
from django.db.models import Count


def fill_headcount(apps, schema_editor):
    SharedLink = apps.get_model("assessments", "SharedLink")
    Invitation = apps.get_model("assessments", "Invitation")
    TeamMember = apps.get_model("assessments", "TeamMember")
    members = dict(
        TeamMember.objects.values("team_id").annotate(n=Count("pk")).values_list("team_id", "n")
    )
    for link in SharedLink.objects.all():
        visits = Invitation.objects.filter(
            cycle_id=link.cycle_id, team_id=link.team_id, email__isnull=True, role="member"
        )
        visits.update(shared_link=link)
        link.submitted = visits.filter(state="submitted").count()
        link.headcount = max(members.get(link.team_id, 0), link.submitted, 1)
        link.save(update_fields=["headcount", "submitted"])


class Migration(migrations.Migration):
    dependencies = [("assessments", "0012_shared_link_headcount")]

    operations = [migrations.RunPython(fill_headcount, migrations.RunPython.noop)]
