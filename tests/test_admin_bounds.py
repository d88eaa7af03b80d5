def test_out_of_range_numbers_are_field_errors(login, db, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post("/admin/groups", data={"name": "新分组", "sort_order": "99999999999999999999"})
    assert resp.status_code == 200
    assert "新分组" in resp.get_data(as_text=True)  # input kept, error shown at the field
