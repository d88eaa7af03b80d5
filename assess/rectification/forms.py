"""Forms of the rectification pages (labels in Chinese; rules live in services)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models import NoticeSource

WORKDAYS_HINT = _l("按中国法定节假日和调休计算；填写后以此为准")


class GenerateForm(FlaskForm):
    campaign_id = SelectField(_l("考核"), coerce=int, validators=[DataRequired(_l("请选择考核。"))])
    threshold = DecimalField(_l("问题起算分值（扣分）"), places=2, validators=[
        Optional(), NumberRange(0, 100, _l("起算分值应在 0 到 100 之间。"))])
    workdays = IntegerField(_l("整改期限（工作日）"), validators=[Optional(), NumberRange(1, 250, _l("工作日数应在 1 到 250 之间。"))])


class NewNoticeForm(FlaskForm):
    department_id = SelectField(_l("部门"), coerce=int, validators=[DataRequired(_l("请选择部门。"))])
    source = SelectField(_l("问题来源"), choices=[(NoticeSource.MONITORING.value, _l("网站监测")),
                                               (NoticeSource.OTHER.value, _l("其他检查"))])
    title = StringField(_l("通知标题"), validators=[DataRequired(_l("请填写通知标题。")), Length(max=200)])
    intro = TextAreaField(_l("通知正文"), validators=[Optional(), Length(max=4000)])
    deadline = DateField(_l("截止日期"), validators=[Optional()])
    workdays = IntegerField(_l("或：工作日数"), validators=[Optional(), NumberRange(1, 250, _l("工作日数应在 1 到 250 之间。"))])
    indicator_code = StringField(_l("相关指标代码（可不填）"), validators=[Optional(), Length(max=40)])
    problem = TextAreaField(_l("问题描述"), validators=[DataRequired(_l("请填写问题描述。")), Length(max=4000)])
    requirement = TextAreaField(_l("整改要求"), validators=[Optional(), Length(max=4000)])


class NoticeEditForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("通知标题"), validators=[DataRequired(_l("请填写通知标题。")), Length(max=200)])
    intro = TextAreaField(_l("通知正文"), validators=[Optional(), Length(max=4000)])
    deadline = DateField(_l("截止日期"), validators=[Optional()])
    workdays = IntegerField(_l("或：自今日起工作日数"), validators=[Optional(), NumberRange(1, 250, _l("工作日数应在 1 到 250 之间。"))])
    reason = StringField(_l("修改原因（已下发的通知必填）"), validators=[Optional(), Length(max=500)])


class ItemForm(FlaskForm):
    version = HiddenField()
    indicator_code = StringField(_l("指标代码"), validators=[Optional(), Length(max=40)])
    indicator_title = StringField(_l("指标名称"), validators=[Optional(), Length(max=200)])
    problem = TextAreaField(_l("问题描述"), validators=[Optional()])
    points_deducted = StringField(_l("扣分"), validators=[Optional(), Length(max=12)])
    requirement = TextAreaField(_l("整改要求"), validators=[Optional()])
    reason = StringField(_l("修改原因（已下发的通知必填）"), validators=[Optional(), Length(max=500)])


class AnswerForm(FlaskForm):
    version = HiddenField()
    action = HiddenField(default="save")
    measure = TextAreaField(_l("整改措施"), validators=[Optional()])
    result = TextAreaField(_l("整改结果"), validators=[Optional()])


class EvidenceForm(FlaskForm):
    kind = SelectField(_l("类型"), choices=[("link", _l("链接（如整改后的页面）")), ("file", _l("文件")),
                                         ("excerpt", _l("文字摘录"))])
    title = StringField(_l("名称"), validators=[Optional(), Length(max=200)])
    url = StringField(_l("链接地址"), validators=[Optional(), Length(max=2000)])
    text = TextAreaField(_l("摘录内容"), validators=[Optional()])
    file = FileField(_l("文件（PDF、图片、Word、Excel、WPS）"))


class CommentForm(FlaskForm):
    version = HiddenField()
    decision = HiddenField()
    comment = TextAreaField(_l("意见"), validators=[Optional()])


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons that POST."""
