"""HR's pages and workflows: cycles, teams, invitations, email runs, and a leader's
self-assessment."""
