from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class OfficeForm(FlaskForm):
    code = StringField(_l("代码"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=120)])
    region = StringField(_l("地区"), validators=[Optional(), Length(max=60)])
    admin_username = StringField(_l("管理员用户名"), validators=[DataRequired(), Length(max=60)])
    admin_name = StringField(_l("管理员姓名"), validators=[DataRequired(), Length(max=60)])


class GroupForm(FlaskForm):
    name = StringField(_l("分组名称"), validators=[DataRequired(), Length(max=60)])
    sort_order = IntegerField(_l("排序"), default=0, validators=[
        Optional(), NumberRange(min=-99999, max=99999, message=_l("排序须为-99999至99999之间的整数。"))])


class DepartmentForm(FlaskForm):
    name = StringField(_l("部门名称"), validators=[DataRequired(), Length(max=120)])
    group_id = SelectField(_l("排名分组"), coerce=int, validators=[DataRequired()])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=40)])


class ImportForm(FlaskForm):
    file = FileField(_l("部门名单（CSV 或 Excel）"), validators=[FileRequired(_l("请选择文件。"))])


class ImportConfirmForm(FlaskForm):
    filename = HiddenField()
    payload = HiddenField(validators=[DataRequired()])


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=60)])
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=60)])
    role = SelectField(_l("角色"), validators=[DataRequired()])
    department_id = SelectField(_l("所属部门"), coerce=int, validators=[Optional()])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=40)])


class RoleForm(FlaskForm):
    role = SelectField(_l("角色"), validators=[DataRequired()])
    department_id = SelectField(_l("所属部门"), coerce=int, validators=[Optional()])


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons that POST."""
