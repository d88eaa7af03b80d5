"""Working days: the one rule lives in :mod:`assess.holidays.workdays` (the installation's holiday table,
the office's own days, the ``chinese_calendar`` package, and the visible Monday–Friday fallback)."""
from ..holidays.workdays import (MAX_WORKDAYS, Calendar, WorkdayError, add_workdays, covers,  # noqa: F401
                                 fallback_years, is_workday, load, missing_year_note, workdays_between)
