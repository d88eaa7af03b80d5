"""Deadline-day load benchmark: ``python -m bench.load`` (see docs/LOAD-AND-FAULTS.md)."""
