"""Tests of the automation area (sensors, conditions, schedules, the daemon end to end)."""
