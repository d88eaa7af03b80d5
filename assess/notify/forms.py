from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
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
