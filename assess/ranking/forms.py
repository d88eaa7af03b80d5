from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class PublishForm(FlaskForm):
    reason = TextAreaField(_l("发布说明（重新发布时必填：更正原因）"), validators=[Optional(), Length(max=1000)])


class ReplayForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET form

    campaign_id = SelectField(_l("往期考核"), coerce=int, validators=[DataRequired()])
    rubric_id = SelectField(_l("候选细则版本"), coerce=int, validators=[DataRequired()])
    missing = SelectField(_l("新指标无填报数据时"), choices=[("min", _l("按最低分计")), ("max", _l("按满分计"))],
                          default="min")
