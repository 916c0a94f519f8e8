"""The metric catalog: reading and validating it, checking it against GitLab's
metric definitions, and generating docs/metrics.md from it."""
