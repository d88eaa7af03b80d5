from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

EXPIRY_CHOICES = [("30", _l("30天")), ("90", _l("90天")), ("180", _l("180天")), ("365", _l("365天"))]


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(_l("请填写令牌名称。")), Length(max=80)],
                       description=_l("用途，例如“省平台对接”"), render_kw={"autocomplete": "off"})
    days = SelectField(_l("有效期"), choices=EXPIRY_CHOICES, default="90")
    # A token outlives the session that creates it: whoever holds only the session (a copied cookie, an
    # unlocked computer) must not be able to turn it into a long-lived credential.
    password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。")), Length(max=200)],
                             description=_l("创建令牌前请再次输入您的登录密码。"),
                             render_kw={"autocomplete": "current-password"})


class EmptyForm(FlaskForm):
    pass
