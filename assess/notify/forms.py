from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from .services import MAX_MESSAGE


class RemindForm(FlaskForm):
    """催报: the departments not yet submitted (ticked boxes) and an optional message."""

    # no choice check here: a department that submitted since the page was drawn is left out by the service
    # (the others are still reminded), not refused as "not a valid choice"
    submission_ids = SelectMultipleField(_l("未提交的部门"), coerce=int, widget=ListWidget(prefix_label=False),
                                         option_widget=CheckboxInput(), validate_choice=False)
    message = TextAreaField(_l("附言（可选）"), validators=[Length(max=MAX_MESSAGE)])


class MarkReadForm(FlaskForm):
    """Only the CSRF token: the notification is named by the address."""


class SettingsForm(FlaskForm):
    """通知设置: the user's address, e-mail on/off (the centre is always on), the non-essential kinds muted."""

    email = StringField(_l("电子邮箱"), validators=[Length(max=254)])
    email_enabled = BooleanField(_l("通过电子邮件接收通知"))
    # choices are the registry's mutable kinds, set by the view; the service refuses essential ones
    muted = SelectMultipleField(_l("静音的通知类型（仍显示在通知中心，不再发邮件）"), widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput(), validate_choice=False)


class RobotForm(FlaskForm):
    """The office's group robot: its address and optional signing secret (never shown again once saved)."""

    url = StringField(_l("机器人地址（Webhook）"), validators=[Length(max=500)])
    secret = PasswordField(_l("加签密钥（可选，留空则保留原密钥）"), validators=[Length(max=200)])
    clear_secret = BooleanField(_l("清除已保存的密钥"))
    enabled = BooleanField(_l("启用群机器人"), default=True)


class ReminderSettingsForm(FlaskForm):
    """The office's reminder rules; the numbers are checked by the service (errors come back at the field)."""

    days_before = StringField(_l("截止前提醒（工作日，逗号分隔）"), validators=[Length(max=60)],
                              description=_l("例如 7,3,1：截止日期前第7、3、1个工作日提醒尚未提交（或尚未整改答复）的部门；留空则不提前提醒。"))
    escalate_after = StringField(_l("逾期升级（工作日）"), validators=[Length(max=4)],
                                 description=_l("逾期超过该工作日数仍未提交的，每日逾期提醒同时发给部门管理员（分管领导）；0 表示从逾期第一天起。"))
    version = HiddenField()
