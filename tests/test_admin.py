import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from assess.admin import importing, services
from assess.audit.services import verify_chain
from assess.models import AuditEntry, Department, Membership, Role, User


def test_office_admin_creates_group_department_and_user(login, db, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    assert c.post("/admin/groups", data={"name": "乡镇（街道）", "sort_order": 2}).status_code == 302
    group = db.session.scalars(select(services.Group).filter_by(name="乡镇（街道）")).one()
    resp = c.post("/admin/departments", data={"name": "城关镇", "group_id": group.id, "contact_name": "王敏"})
    assert resp.status_code == 302
    dept = db.session.scalars(select(Department).filter_by(name="城关镇")).one()
    resp = c.post("/admin/users", data={"username": "cgz-editor", "display_name": "李专干", "role": "dept_editor",
                                        "department_id": dept.id})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "/auth/set-password/" in html
    user = db.session.scalars(select(User).filter_by(username="cgz-editor")).one()
    assert user.department_id == dept.id and user.password_hash is None


def test_duplicate_names_get_a_field_error_and_keep_input(login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post("/admin/users", data={"username": tenant_a.users["reviewer"].username, "display_name": "新名字",
                                        "role": "reviewer", "department_id": 0})
    html = resp.get_data(as_text=True)
    assert "已被使用" in html and 'value="新名字"' in html
    resp = c.post("/admin/departments", data={"name": "AAA甲局", "group_id": tenant_a.group.id, "contact_phone": "123"})
    html = resp.get_data(as_text=True)
    assert "已存在" in html and 'value="123"' in html


def test_department_role_needs_a_department(db, tenant_a):
    with pytest.raises(services.AdminError) as err:
        services.create_user(actor=tenant_a.users["office_admin"], username="nodept", display_name="某人",
                             role=Role.DEPT_EDITOR, office=tenant_a.office)
    assert err.value.field == "department"


def test_department_admin_manages_only_own_department(login, db, tenant_a):
    c = login(tenant_a.users["dept_admin"].username)
    html = c.get("/admin/users").get_data(as_text=True)
    assert tenant_a.users["dept_editor"].username in html
    assert tenant_a.users["dept_b_editor"].username not in html
    assert tenant_a.users["reviewer"].username not in html
    resp = c.post("/admin/users", data={"username": "a-new", "display_name": "新人", "role": "reviewer",
                                        "department_id": tenant_a.dept_a.id})
    assert resp.status_code == 200
    assert db.session.scalars(select(User).filter_by(username="a-new")).first() is None


def test_rename_and_deactivate_keep_history(db, tenant_a):
    admin = tenant_a.users["office_admin"]
    services.update_department(tenant_a.dept_a, actor=admin, name="AAA甲局（新）", group=tenant_a.group)
    services.set_department_active(tenant_a.dept_a, False, actor=admin)
    db.session.flush()
    dept = db.session.get(Department, tenant_a.dept_a.id)
    assert dept is not None and not dept.active and dept.deactivated_at is not None
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "department",
                                                          AuditEntry.object_id == str(dept.id))).all()
    assert [e.action for e in entries] == ["department.create", "department.update", "department.deactivate"]
    assert "AAA甲局" in entries[1].old and "（新）" in entries[1].new
    assert verify_chain(tenant_a.office.id).ok


def test_audit_chain_detects_tampering(db, tenant_a):
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.office_id == tenant_a.office.id)
                               .order_by(AuditEntry.seq)).all()[2]
    entry.new = '{"name": "forged"}'
    db.session.flush()
    report = verify_chain(tenant_a.office.id)
    assert not report.ok and report.first_bad_seq == entry.seq


def test_role_change_closes_membership(db, tenant_a):
    user = tenant_a.users["dept_editor"]
    services.change_user_role(user, Role.REVIEWER, None, actor=tenant_a.users["office_admin"])
    db.session.flush()
    rows = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].ended_at is not None and user.department_id is None


def test_platform_admin_creates_office_with_admin_link(login, db, platform_admin):
    c = login(platform_admin.username)
    resp = c.post("/admin/offices", data={"code": "new-city", "name": "新市政务公开办", "region": "新市",
                                         "admin_username": "newcity-admin", "admin_name": "管理员"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "新市政务公开办" in html and "/auth/set-password/" in html
    bad = c.post("/admin/offices", data={"code": "New City!", "name": "x", "admin_username": "zz-admin",
                                        "admin_name": "x"})
    assert "代码只能包含" in bad.get_data(as_text=True)


# --- import ---------------------------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_csv_utf8_and_gbk(db, tenant_a):
    text = "部门名称,分组,联系人,联系电话\n县人社局,AAA县直部门,王敏,0000-1\n\n县环卫局,AAA县直部门,,\n"
    for data in (text.encode("utf-8-sig"), text.encode("gbk")):
        preview = importing.parse_departments(tenant_a.office, data, "list.csv")
        assert preview.ok, [str(p) for p in preview.problems]
        assert [r.name for r in preview.rows] == ["县人社局", "县环卫局"]
        assert [r.line for r in preview.rows] == [2, 4]  # the empty row is skipped, line numbers stay true
    counts = importing.apply_departments(tenant_a.office, preview, actor=None)
    assert counts == {"create": 2, "update": 0, "unchanged": 0}


def test_import_xlsx_and_update(db, tenant_a):
    data = _xlsx([["部门名称", "分组", "联系电话"], ["AAA甲局", "AAA县直部门", "9999"], ["新局", "AAA县直部门", ""]])
    preview = importing.parse_departments(tenant_a.office, data, "list.xlsx")
    assert preview.ok and [r.action for r in preview.rows] == ["update", "create"]


@pytest.mark.parametrize(
    "content, expected",
    [
        ("名字,类别\n甲,乙\n", "无法识别的列"),
        ("部门名称\n甲\n", "缺少必需的列"),
        ("部门名称,分组\n甲,不存在的组\n", "第2行（分组）：分组“不存在的组”不存在"),
        ("部门名称,分组\n甲,AAA县直部门\n甲,AAA县直部门\n", "第3行（部门名称）：与第2行重复"),
        ("部门名称,分组\n,AAA县直部门\n", "部门名称为空"),
        ("", "文件是空的"),
        ("部门名称,分组\n", "没有数据行"),
    ],
)
def test_import_errors_are_row_numbered_and_nothing_is_written(db, tenant_a, content, expected):
    before = db.session.query(Department).count()
    preview = importing.parse_departments(tenant_a.office, content.encode(), "bad.csv")
    assert not preview.ok
    assert any(expected in str(p) for p in preview.problems), [str(p) for p in preview.problems]
    with pytest.raises(services.AdminError):
        importing.apply_departments(tenant_a.office, preview, actor=None)
    assert db.session.query(Department).count() == before


def test_import_refuses_undecodable_bytes(db, tenant_a):
    preview = importing.parse_departments(tenant_a.office, b"\xff\xfe\x00\x81\x82\xff" * 10, "x.csv")
    assert not preview.ok and "编码" in str(preview.problems[0])


def test_import_through_the_browser_flow(login, db, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    data = "部门名称,分组\n县统计局,AAA县直部门\n".encode("gbk")
    resp = c.post("/admin/departments/import", data={"file": (io.BytesIO(data), "名单.csv")},
                  content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert "县统计局" in html and "确认导入" in html
    import re

    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)
    resp = c.post("/admin/departments/import/confirm", data={"payload": payload, "filename": "名单.csv"})
    assert resp.status_code == 302
    assert db.session.scalars(select(Department).filter_by(name="县统计局")).one()
    bad = c.post("/admin/departments/import", data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                 content_type="multipart/form-data")
    assert "未导入任何数据" in bad.get_data(as_text=True)


def test_switching_departments_and_accounts_off_and_on_says_which(login, db, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    dept, user = tenant_a.dept_a, tenant_a.users["reviewer"]
    body = c.post(f"/admin/departments/{dept.id}/active", follow_redirects=True).get_data(as_text=True)
    assert "已停用部门，其历史数据保留。" in body and dept.active is False
    body = c.post(f"/admin/departments/{dept.id}/active", follow_redirects=True).get_data(as_text=True)
    assert "已启用部门。" in body and dept.active is True
    body = c.post(f"/admin/users/{user.id}/active", follow_redirects=True).get_data(as_text=True)
    assert "已停用账号。" in body and user.active is False
    body = c.post(f"/admin/users/{user.id}/active", follow_redirects=True).get_data(as_text=True)
    assert "已启用账号。" in body and user.active is True
    me = tenant_a.users["office_admin"]
    body = c.post(f"/admin/users/{me.id}/active", follow_redirects=True).get_data(as_text=True)
    assert "不能停用自己的账号。" in body and me.active is True
