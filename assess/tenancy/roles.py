"""The named sets of roles: the only place that groups roles (tests/test_structure_access.py checks it).

A page or API endpoint says who may call it by naming one of these sets, never by listing roles. Each name
means one set; when a page needs a set that is not here, add it here with a sentence saying who and why.
Being in a set only lets a user reach the code; what they then see is narrowed by the tenant scope
(``tenancy/scope.py``) and by the capability's ``access.py`` (e.g. a reviewer sees only assigned departments).

Where a user sits follows from the role: platform administrators have no office; office administrators and
reviewers sit at the office itself; department administrators and editors sit in one department; a viewer
sits either at the office or in one department.
"""
from __future__ import annotations

from ..models import Role

#: Every role, the platform administrator included: who may call the API at all (e.g. "who am I").
ALL_ROLES: tuple[Role, ...] = tuple(Role)

#: The office's people who act on the departments' work: review and score, check rectifications,
#: decide contests, follow the year. Viewers read but never act; departments never judge themselves.
OFFICE_STAFF: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.REVIEWER)

#: The roles that may sit at the office itself and read the office's side (campaigns, rubrics, ranking,
#: documents): the office staff and a viewer. A viewer bound to a department passes this role check too,
#: which is why office-only pages also require ``department_id is None`` (``office_side``).
#: Also the roles an office administrator may create at office level.
OFFICE_READERS: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.REVIEWER, Role.VIEWER)

#: The office-level roles that see every department's results without being assigned to it
#: (a reviewer sees only the departments assigned to them).
OFFICE_OVERSEERS: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.VIEWER)

#: The department's people who do its work: fill in the self-assessment, import material, attach
#: evidence, answer rectification notices, ask for a re-check.
DEPARTMENT_STAFF: tuple[Role, ...] = (Role.DEPT_ADMIN, Role.DEPT_EDITOR)

#: The roles that may sit in a department (its staff and a department viewer): what a department
#: administrator may hand out.
DEPARTMENT_MEMBERS: tuple[Role, ...] = (Role.DEPT_ADMIN, Role.DEPT_EDITOR, Role.VIEWER)

#: Everyone who works inside an office (all roles but the platform administrator): pages both sides read,
#: whose content the scope then narrows to the user's office or department. Also every role an office
#: administrator may hand out, in the order the user form lists them.
TENANT_ROLES: tuple[Role, ...] = OFFICE_READERS + DEPARTMENT_STAFF

#: Who manages user accounts: the platform administrator (office administrators), an office administrator
#: (their office) and a department administrator (their department).
USER_ADMINS: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.DEPT_ADMIN, Role.PLATFORM_ADMIN)

#: The accounts a platform administrator lists and manages: the administrators, never the tenants' staff.
PLATFORM_MANAGED: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.PLATFORM_ADMIN)

__all__ = [
    "ALL_ROLES", "DEPARTMENT_MEMBERS", "DEPARTMENT_STAFF", "OFFICE_OVERSEERS", "OFFICE_READERS",
    "OFFICE_STAFF", "PLATFORM_MANAGED", "TENANT_ROLES", "USER_ADMINS",
]
