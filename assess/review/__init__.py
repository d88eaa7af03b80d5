"""Review: reviewer assignment, reviewing, lead decisions, re-check contests and score waterfalls."""
