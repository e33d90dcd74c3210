"""The read side: data (a cycle's answers) → scoring → anonymity → aggregation → report (the
dataclasses) → stored; wording, coaching."""
