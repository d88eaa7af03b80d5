"""Campaigns (yearly assessments): creation, state machine, progress."""
