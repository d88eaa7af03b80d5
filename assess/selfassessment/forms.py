from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons that POST."""


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("退回意见"), validators=[Optional(), Length(max=2000)])


class UploadForm(FlaskForm):
    file = FileField(_l("文件"))
    title = StringField(_l("标题"), validators=[Optional(), Length(max=200)])
