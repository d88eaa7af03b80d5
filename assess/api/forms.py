from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

EXPIRY_CHOICES = [("30", _l("30天")), ("90", _l("90天")), ("180", _l("180天")), ("365", _l("365天"))]


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(_l("请填写令牌名称。")), Length(max=80)],
                       description=_l("用途，例如“省平台对接”"))
    days = SelectField(_l("有效期"), choices=EXPIRY_CHOICES, default="90")


class EmptyForm(FlaskForm):
    pass
