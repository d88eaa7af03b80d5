"""The named sets of roles: the only place that groups roles (tests/test_structure_access.py checks it).

A page or API endpoint says who may call it by naming one of these sets, never by listing roles. Each name
means one set; when a page needs a set that is not here, add it here with a sentence saying who and why.
Being in a set only lets a user reach the code; what they then see is narrowed by the tenant scope
(``tenancy/scope.py``) and by the capability's ``access.py`` (e.g. a reviewer sees only assigned departments).

Where a user sits follows from the role: platform administrators have no office; office administrators and
reviewers sit at the office itself; department administrators and editors sit in one department; a viewer
sits either at the office or in one department. Who may give which role where is ``GRANTS``.
"""
from __future__ import annotations

import enum

from ..models import Role

#: Every role, the platform administrator included: who may call the API at all (e.g. "who am I").
ALL_ROLES: tuple[Role, ...] = tuple(Role)

#: The office's people who act on the departments' work: review and score, check rectifications,
#: decide contests, follow the year. Viewers read but never act; departments never judge themselves.
OFFICE_STAFF: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.REVIEWER)

#: The roles that may sit at the office itself and read the office's side (campaigns, rubrics, ranking,
#: documents): the office staff and a viewer. A viewer bound to a department passes this role check too,
#: which is why office-only pages also require ``department_id is None`` (``office_side``).
OFFICE_READERS: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.REVIEWER, Role.VIEWER)

#: The office-level roles that see every department's results without being assigned to it
#: (a reviewer sees only the departments assigned to them).
OFFICE_OVERSEERS: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.VIEWER)

#: The department's people who do its work: fill in the self-assessment, import material, attach
#: evidence, answer rectification notices, ask for a re-check.
DEPARTMENT_STAFF: tuple[Role, ...] = (Role.DEPT_ADMIN, Role.DEPT_EDITOR)

#: Everyone who works inside an office (all roles but the platform administrator): pages both sides read,
#: whose content the scope then narrows to the user's office or department. Who may hand out which of
#: them, and where, is ``GRANTS`` below.
TENANT_ROLES: tuple[Role, ...] = OFFICE_READERS + DEPARTMENT_STAFF

#: Who manages user accounts: the platform administrator (office administrators), an office administrator
#: (their office) and a department administrator (their department).
USER_ADMINS: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.DEPT_ADMIN, Role.PLATFORM_ADMIN)

#: The accounts a platform administrator lists and manages: the administrators, never the tenants' staff.
PLATFORM_MANAGED: tuple[Role, ...] = (Role.OFFICE_ADMIN, Role.PLATFORM_ADMIN)



class GrantScope(enum.Enum):
    """Where a granted role sits, seen from the person granting it."""

    #: At the office itself, no department: sees what the role sees across the whole office.
    OFFICE = "office"
    #: In any department of the grantor's office.
    ANY_DEPARTMENT = "any_department"
    #: In the grantor's own department only.
    OWN_DEPARTMENT = "own_department"


#: Who may grant which role in which scope: the one rule behind the user form (the roles and departments
#: it offers), the admin service (which refuses everything else, also on a change of role and on oneself)
#: and which accounts an administrator manages at all. Nobody grants a scope wider than their own: a
#: department administrator hands out department roles in their own department only (never an office-wide
#: viewer); an office administrator hands out any tenant role in their own office; the platform
#: administrator creates office administrators (in any office, which is their scope). A role missing here
#: cannot be granted by that actor, and a role that sits only at the office (``OFFICE_STAFF``) takes no
#: department. The README's security section shows this table; keep both in step.
GRANTS: dict[Role, dict[Role, tuple[GrantScope, ...]]] = {
    Role.PLATFORM_ADMIN: {
        Role.OFFICE_ADMIN: (GrantScope.OFFICE,),
    },
    Role.OFFICE_ADMIN: {  # in the order the user form lists them
        Role.OFFICE_ADMIN: (GrantScope.OFFICE,),
        Role.REVIEWER: (GrantScope.OFFICE,),
        Role.VIEWER: (GrantScope.OFFICE, GrantScope.ANY_DEPARTMENT),
        Role.DEPT_ADMIN: (GrantScope.ANY_DEPARTMENT,),
        Role.DEPT_EDITOR: (GrantScope.ANY_DEPARTMENT,),
    },
    Role.DEPT_ADMIN: {
        Role.DEPT_ADMIN: (GrantScope.OWN_DEPARTMENT,),
        Role.DEPT_EDITOR: (GrantScope.OWN_DEPARTMENT,),
        Role.VIEWER: (GrantScope.OWN_DEPARTMENT,),
    },
}

__all__ = [
    "ALL_ROLES", "DEPARTMENT_STAFF", "GRANTS", "GrantScope", "OFFICE_OVERSEERS", "OFFICE_READERS",
    "OFFICE_STAFF", "PLATFORM_MANAGED", "TENANT_ROLES", "USER_ADMINS",
]
