def test_login_page_is_chinese_by_default(client):
    resp = client.get("/auth/login")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "登录" in html and 'type="password"' in html


def test_office_admin_sees_own_departments_only(login, tenant_a, tenant_b):
    c = login(tenant_a.users["office_admin"].username)
    html = c.get("/admin/departments").get_data(as_text=True)
    assert "AAA甲局" in html and "BBB甲局" not in html
