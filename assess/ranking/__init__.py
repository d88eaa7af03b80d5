"""Ranking, grades, analytics and exports of a campaign (issue #6)."""
