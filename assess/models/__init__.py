"""All models, re-exported so that Alembic and the app see every table."""
from .api import ApiToken
from .audit import AuditEntry
from .base import DepartmentMixin, TenantMixin
from .calendar import HolidayDay, HolidayYear, OfficeDay
from .campaign import Answer, Campaign, CampaignState, Evidence, EvidenceKind, Submission, SubmissionState
from .documents import CircularDraft, DocumentCounter, DocumentJob, DocumentKind, IssuedDocument, JobState
from .imports import AnnualReport, FigureImport
from .review import Contest, ContestOutcome, DepartmentSums, IndicatorResult, ReviewAssignment, ReviewScore
from .notify import Notification, NotificationDelivery, NotificationPreference, OfficeRobot, ReminderSettings
from .ranking import RankingPublication
from .reviewaids import (FLAG_COPIED_TEXT, FLAG_FIGURE_JUMP, FLAG_KINDS, FLAG_REUSED_EVIDENCE, FLAG_WEAK_EVIDENCE,
                         EvidencePrint, ReviewAidSettings, ReviewFlag)
from .rectification import ItemState, Notice, NoticeItem, NoticeSource, NoticeState
from .rubric import Rubric
from .tenancy import Department, Group, Office
from .user import Membership, PasswordLink, Role, User

__all__ = [
    "ApiToken",
    "AnnualReport", "FigureImport",
    "CircularDraft", "DocumentCounter", "DocumentJob", "DocumentKind", "IssuedDocument", "JobState",
    "FLAG_COPIED_TEXT", "FLAG_FIGURE_JUMP", "FLAG_KINDS", "FLAG_REUSED_EVIDENCE", "FLAG_WEAK_EVIDENCE", "EvidencePrint",
    "ReviewAidSettings", "ReviewFlag",
    "Notification", "NotificationDelivery", "NotificationPreference", "OfficeRobot", "ReminderSettings",
    "ItemState", "Notice", "NoticeItem", "NoticeSource", "NoticeState",
    "Answer", "Campaign", "CampaignState", "Contest", "ContestOutcome", "Evidence", "EvidenceKind",
    "DepartmentSums", "IndicatorResult", "RankingPublication", "ReviewAssignment", "ReviewScore", "Rubric", "Submission", "SubmissionState",
    "AuditEntry",
    "HolidayDay", "HolidayYear", "OfficeDay",
    "Department",
    "DepartmentMixin",
    "Group",
    "Membership",
    "Office",
    "PasswordLink",
    "Role",
    "TenantMixin",
    "User",
]
