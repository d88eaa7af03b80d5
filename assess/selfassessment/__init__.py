"""A department's self-assessment within a campaign."""
