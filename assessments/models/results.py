"""A cycle's stored results in parts, so that a read costs what it shows (issue 16).

``CycleResult`` (in :mod:`assessments.models`) is the head: the fingerprint of the data it was
computed from, the cycle state it was computed for, and the organisation's summary (pillars,
the organisation's roll-up, the questions' wording). Every team and every department is a
:class:`CycleResultPart` of its own: a team's page reads the head and its team's row, whatever
the size of the organisation. HR's organisation page reads one page of them at a time: each part
also keeps, beside its JSON, what that page filters, sorts and counts by (the name, the team's
department, whether its figures are hidden, and each pillar's figure as the heatmap prints it).
:class:`CycleResultClaim` is the row a worker holds locked while it computes a cycle. Re-exported
by :mod:`assessments.models`.
"""

from __future__ import annotations

from django.db import models


class CycleResultPart(models.Model):
    """One team's figures (its summary and its details) or one department's roll-up."""

    class Kind(models.TextChoices):
        TEAM = "team"
        DEPARTMENT = "department"

    result = models.ForeignKey(
        "assessments.CycleResult", on_delete=models.CASCADE, related_name="parts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    group_id = models.PositiveIntegerField()  # the team's id (a department is a team too)
    position = models.PositiveIntegerField()  # its place in the report (teams by name)
    summary = models.JSONField()  # the TeamResult / Rollup without items, highlights, comments
    detail = models.JSONField(null=True)  # a team's items, highlights and comments
    # What the organisation page filters, sorts and counts by, so a page of 50 rows is found in
    # the database without reading the other 9,950 summaries.
    name = models.CharField(max_length=160, blank=True, default="")
    department = models.PositiveIntegerField(null=True)  # a team's department (its team id)
    hidden = models.BooleanField(default=False)  # the group's figures are withheld
    # {"mean": {pillar key: figure}, "favourable": {...}}: each pillar's figure rounded as the
    # heatmap prints it, absent where the cell is hidden or empty (those sort last, by name).
    sort_keys = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["result", "kind", "group_id"], name="cycle_result_part_one_per_group"
            )
        ]
        indexes = [models.Index(fields=["result", "kind", "position"])]

    def __str__(self) -> str:
        return f"{self.result_id} / {self.kind} {self.group_id}"


class CycleResultClaim(models.Model):
    """The row a worker locks (``SELECT … FOR UPDATE``) while it computes a cycle's results, so
    two workers never compute the same cycle at once: the second waits, then finds the results
    stored. Nothing else writes it, so the lock never holds up a page or HR; a worker that dies
    holding it releases it with its database connection. See
    :func:`assessments.results.stored.results_compute`."""

    cycle = models.OneToOneField(
        "assessments.Cycle", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"claim on cycle {self.cycle_id}"
