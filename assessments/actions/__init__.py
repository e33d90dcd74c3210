"""From results to action: focus areas, action plans, the team debrief and nudges (issue 15)."""
