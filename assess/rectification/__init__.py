"""Rectification notices (整改通知) and their tracking to closure (整改台账).

Public entry points for other capabilities (in :mod:`assess.rectification.services` unless named):

- :mod:`assess.rectification.generation`: ``generate_notices(office, campaign, actor=, workdays_count=None,
  threshold=0.5)`` — draft notices from the reviewers' problem statements that stand (``standing_findings``)
  and cost at least ``threshold`` points.
- ``open_items_for(department_id, indicator_code, office_id=None, exclude_campaign_id=None)`` — unresolved
  items for the reviewer's page; render them with ``{% include "rectification/_open_items.html" %}``
  (context variable ``open_items``).
- :mod:`assess.rectification.ledger`: ``ledger(office_id, LedgerFilters(...))`` / ``ledger_workbook(rows)`` —
  the ledger and its Excel export.
- ``overdue_count(office_id, department_id=None)`` — for dashboards.
- working days come from :mod:`assess.holidays.workdays`, the one working-day rule (the holiday table,
  offices' own days, the package).
"""
