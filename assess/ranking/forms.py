from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional


class PublishForm(FlaskForm):
    reason = TextAreaField(_l("发布说明（重新发布时必填：更正原因）"), validators=[Optional(), Length(max=1000)])
