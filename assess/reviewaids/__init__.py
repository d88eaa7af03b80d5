"""Review aids: what the platform notices in self-assessments for the reviewer (copied text, figures that jump).

Builds on the review and the self-assessment (it reads answers, shows its flags on the review sheet through
the hook :data:`assess.review.routes.SHEET_PANELS`); nothing there imports it. A flag never changes a score.
"""
