from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("评审人员"), coerce=int)
    second_id = SelectField(_l("第二评审人员（可选）"), coerce=int, default=0)
    group_id = SelectField(_l("按分组分配"), coerce=int, default=0)
    department_ids = MultiCheckboxField(_l("或选择部门"), coerce=int, validators=[Optional()])


class ScoreForm(FlaskForm):
    score = StringField(_l("评审分"), validators=[Optional(), Length(max=12)])
    veto = BooleanField(_l("认定触发一票否决"))
    problem = TextAreaField(_l("问题描述"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("评审理由"), validators=[Optional(), Length(max=2000)])
    evidence_url = StringField(_l("证据链接"), validators=[Optional(), Length(max=2000)])
    evidence_title = StringField(_l("证据说明"), validators=[Optional(), Length(max=200)])
    evidence_file = FileField(_l("证据文件（截图、PDF、Word、Excel）"))
    version = HiddenField(default="0")
    reviewer_id = HiddenField(default="")


class LeadForm(FlaskForm):
    """Shown on the same page as :class:`ScoreForm`: same field names, ids of its own (a label must point
    at its own form's field)."""

    score = StringField(_l("裁定分"), id="lead-score", validators=[Optional(), Length(max=12)])
    veto = BooleanField(_l("认定触发一票否决"), id="lead-veto")
    problem = TextAreaField(_l("问题描述"), id="lead-problem", validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("裁定理由"), id="lead-reason", validators=[Optional(), Length(max=2000)])
    version = HiddenField(default="0", id="lead-version")


class ContestForm(FlaskForm):
    explanation = TextAreaField(_l("申请复核的理由"))
    evidence_url = StringField(_l("新证据链接（可选）"), validators=[Optional(), Length(max=2000)])
    evidence_title = StringField(_l("证据说明（可选）"), validators=[Optional(), Length(max=200)])
    evidence_file = FileField(_l("证据文件（可选）"))


class AnswerForm(FlaskForm):
    outcome = RadioField(_l("复核结论"), choices=[("upheld", _l("维持原评分")), ("partly", _l("部分采纳")),
                                                ("changed", _l("予以更正"))], validate_choice=False)
    new_score = StringField(_l("复核后得分"), validators=[Optional(), Length(max=12)])
    reason = TextAreaField(_l("答复理由"), validators=[Optional(), Length(max=2000)])
    evidence_url = StringField(_l("证据链接（可选）"), validators=[Optional(), Length(max=2000)])
    evidence_title = StringField(_l("证据说明（可选）"), validators=[Optional(), Length(max=200)])
    evidence_file = FileField(_l("证据文件（可选）"))
    version = HiddenField(default="0")


class EmptyForm(FlaskForm):
    pass
