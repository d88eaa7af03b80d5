"""Display names of roles (translated at render time)."""
from flask_babel import lazy_gettext as _l

from ..models import Role

ROLE_LABELS = {
    Role.PLATFORM_ADMIN: _l("平台管理员"),
    Role.OFFICE_ADMIN: _l("公开办管理员"),
    Role.REVIEWER: _l("考核人员"),
    Role.DEPT_ADMIN: _l("部门管理员（分管领导）"),
    Role.DEPT_EDITOR: _l("部门填报员"),
    Role.VIEWER: _l("只读查看"),
}
