"""Importing figures from year-end summaries and annual reports into the self-assessment (issue #11)."""
