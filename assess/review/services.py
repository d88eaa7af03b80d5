"""Review: the public names of the review capability in one place, for callers that use them as
``services.<name>`` (routes, the API, the dashboard, tests). Imports only — the code lives in:

- :mod:`.base` — limits, labels, the refusal, bounds and suggested scores, the row lookups;
- :mod:`.results` — the decided result per indicator (the only writer of it) and the bulk path;
- :mod:`.assignments` — who reviews which department, and whether a user may review;
- :mod:`.evidence` — evidence on a reviewer's score or a contest;
- :mod:`.scoring` — what reviewers write: scores, accepting suggestions, the lead's decision;
- :mod:`.sheets` — the review sheet, the waterfall, the results table;
- :mod:`.progress` — how far the review is, and what blocks re-check and publication;
- :mod:`.contests` — re-check contests and their answers;
- :mod:`.findings` — the findings that stand after re-check.

New code may import from those modules directly. The one piece that is not an import is
:func:`register_preconditions` at the bottom, which ``create_app`` calls to hook the review's publishing
preconditions into the campaign state machine.
"""

from __future__ import annotations

from ..models import CampaignState
from .base import (DEFAULT_CONFLICT_DAYS, MAX_REVIEWERS, OUTCOME_LABELS,
                   ReviewError, Suggestion, assignments_of, check_bounds, fmt, indicator_codes, is_bonus,
                   is_veto, local_today, parse_score, reference_score, rubric_of, suggestions)  # noqa: F401
from .results import Lead, Plan, bulk_review, decide, refresh_result, refresh_submission  # noqa: F401
from .assignments import (BulkOutcome, assign, assign_many, assignment_campaign, conflict_days, has_conflict,
                          is_assigned, is_lead, may_review, office_reviewers, score_owner, set_lead,
                          unassign)  # noqa: F401
from .evidence import (PendingEvidence, attach_evidence, department_evidence, evidence_for,
                       prepare_evidence)  # noqa: F401
from .scoring import AcceptOutcome, accept_rest, lead_decide, save_score  # noqa: F401
from .sheets import Row, Step, results_table, review_sheet, waterfall  # noqa: F401
from .progress import (Blocker, ProgressSummary, progress, progress_summary, review_blockers,
                       review_complete)  # noqa: F401
from .contests import (answer_contest, contests_answered, contests_for, create_contest, deduction_maker,
                       deductions, may_answer, open_contests, recheck_open)  # noqa: F401
from .findings import Finding, overturned, standing_findings  # noqa: F401


def register_preconditions() -> None:
    """Let the campaign state machine refuse re-check/publication while reviews are unfinished.

    Called by ``create_app`` (not on import), so publishing is guarded whatever modules were imported."""
    try:
        from ..campaigns.services import PRECONDITIONS
    except ImportError:  # campaigns capability not installed
        return
    for state in (CampaignState.RECHECK, CampaignState.PUBLISHED):
        checks = PRECONDITIONS.setdefault(state, [])
        if review_complete not in checks:
            checks.append(review_complete)
    checks = PRECONDITIONS.setdefault(CampaignState.PUBLISHED, [])
    if contests_answered not in checks:
        checks.append(contests_answered)
