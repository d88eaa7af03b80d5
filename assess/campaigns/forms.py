from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DatesMixin:
    self_deadline = DateField(_l("自评截止日期"), validators=[Optional()])
    review_start = DateField(_l("评审开始日期"), validators=[Optional()])
    review_end = DateField(_l("评审结束日期"), validators=[Optional()])
    recheck_start = DateField(_l("复核（申诉）开始日期"), validators=[Optional()])
    recheck_end = DateField(_l("复核（申诉）截止日期"), validators=[Optional()])
    rectify_deadline = DateField(_l("整改截止日期"), validators=[Optional()])


class CampaignForm(DatesMixin, FlaskForm):
    name = StringField(_l("考核名称"), validators=[DataRequired(_l("请填写考核名称。")), Length(max=200)])
    year = IntegerField(_l("考核年度"), validators=[DataRequired(_l("请填写年度。")), NumberRange(2000, 2100)])
    # the first choice is an empty placeholder (0): the office picks the rubric, nothing is pre-selected
    rubric_id = SelectField(_l("考核细则版本"), coerce=int, validators=[DataRequired(_l("请选择考核细则。"))])
    other_year = BooleanField(_l("使用其他年度的考核细则"))
    group_ids = MultiCheckboxField(_l("按分组选择部门"), coerce=int)
    department_ids = MultiCheckboxField(_l("逐个选择部门"), coerce=int)


class DatesForm(DatesMixin, FlaskForm):
    version = HiddenField()


class TransitionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    confirm = BooleanField(_l("我已了解上述情况，确认继续"))  # required by the service when the step warns
    reason = TextAreaField(_l("说明（可选）"), validators=[Optional(), Length(max=1000)])
