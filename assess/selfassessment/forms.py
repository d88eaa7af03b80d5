from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons that POST."""


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("退回意见"), validators=[Optional(), Length(max=2000)])


class UploadForm(FlaskForm):
    file = FileField(_l("文件"))
    title = StringField(_l("标题"), validators=[Optional(), Length(max=200)])


class RubricSwitchForm(FlaskForm):
    """Confirming a campaign's move to another rubric version: what the page showed (the campaign's version and
    rubric) travels with it, so a mapping that is no longer true is never applied."""

    version = HiddenField()
    from_rubric = HiddenField()
    confirm = BooleanField(_l("我已核对对照表，确认更换考核细则版本"))
