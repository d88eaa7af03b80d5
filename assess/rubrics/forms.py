"""Forms of the rubric pages. The editor's many fields are read from ``request.form`` by name (see
:func:`assess.rubrics.editor.apply_form`); its form class only carries the CSRF token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import DataRequired


class UploadForm(FlaskForm):
    file = FileField(_l("考核细则文件（YAML）"), validators=[FileRequired(_l("请选择文件。"))])


class ShippedForm(FlaskForm):
    name = SelectField(_l("平台提供的考核细则"), validators=[DataRequired()])


class EditorForm(FlaskForm):
    """CSRF only; the fields are the rubric's own (see the template)."""
