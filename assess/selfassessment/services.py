"""A department's self-assessment: answers per indicator, drafts, the editor → leader → submit flow,
returns, late marking, the readiness check and carry-over from last year.

An import-only list of the capability's public names; the code sits in modules named for what they do:
:mod:`.answers` (reading answers; one indicator's parse → suggestion → :func:`save_answer`), :mod:`.progress`
(status, progress, totals, readiness), :mod:`.flow` (editor → leader → submitted, returns, lateness),
:mod:`.lastyear` (carry-over from last year and its confirmation).

Public functions other capabilities use:
- :func:`scoring_inputs` — a submission's reported figures in the engine's shape (``{code: {name: value}}``).
- :func:`self_scores` — the department's self-scores (``{code: Decimal}``).
- :func:`answers_of` — the Answer rows by indicator code.
- :func:`rubric_of` — the parsed (frozen) rubric of a campaign.
- :func:`campaign_answers` — all answers of a campaign in one query (department id → code → Answer).
- :func:`readiness` / :func:`progress` — what is missing or questionable in a submission.
"""
from __future__ import annotations

from .answers import (EDITABLE, NO_SELF_SCORE, AnswerConflict, SaveResult, SelfAssessmentError, answer_snapshot,
                      answers_of, answers_of_code, campaign_answers, can_edit, missing_inputs, parse_inputs,
                      parse_score, require_edit, rubric_of, save_answer, scoring_inputs, self_scores, stored_inputs,
                      suggest, touch)  # noqa: F401
from .progress import (AreaTotal, IndicatorStatus, Issue, Progress, SelfTotals, blocking, evidence_by_code,
                       indicator_status, missing_by_field, progress, readiness, self_totals)  # noqa: F401
from .flow import late_days_for, leader_return, leader_submit, office_return, send_to_leader  # noqa: F401
from .lastyear import confirm_carried_over, prefill_from_last_year, previous_submission  # noqa: F401
