"""Forms of the holiday calendar: a year's file (with its notice), its confirmation, an office's own day."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..models.calendar import DAY_OFF, DAY_WORKED


class YearUploadForm(FlaskForm):
    file = FileField(_l("节假日安排文件（CSV 或 YAML）"), validators=[FileRequired(_l("请选择文件。"))])
    notice_title = StringField(_l("通知标题"), validators=[Optional(), Length(max=200)],
                               description=_l("如：国务院办公厅关于2027年部分节假日安排的通知（YAML 文件中已有则可留空）"))
    notice_number = StringField(_l("文号"), validators=[Optional(), Length(max=60)])


class YearConfirmForm(FlaskForm):
    filename = HiddenField()
    payload = HiddenField(validators=[DataRequired()])
    notice_title = HiddenField()
    notice_number = HiddenField()
    version = HiddenField()  # the year's version previewed against ("0": not entered yet)


class OfficeDayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired(_l("请填写日期。"))])
    kind = SelectField(_l("类型"), choices=[(DAY_OFF, _l("放假（本单位不上班）")), (DAY_WORKED, _l("上班（周末本单位上班）"))])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=60)])


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
