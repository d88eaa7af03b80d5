from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class DismissForm(FlaskForm):
    reason = TextAreaField(_l("忽略理由"), validators=[Optional(), Length(max=500)])
    back = HiddenField(default="sheet")  # where to return: the review sheet or the campaign list


class SettingsForm(FlaskForm):
    copied_text = BooleanField(_l("检查内容雷同（与其他部门或本部门往年）"))
    figure_jump = BooleanField(_l("检查数据异常波动（与上年或同组相比）"))
    reused_evidence = BooleanField(_l("检查佐证材料重复使用（与其他部门、其他指标或往年相同或近似）"))
    weak_evidence = BooleanField(_l("检查佐证材料能否支撑（链接失效、未提及关键词、日期不符）"))
    jump_ratio = StringField(_l("与上年相比的倍数阈值"), validators=[Optional(), Length(max=12)])
    jump_z = StringField(_l("同组稳健 z 值阈值"), validators=[Optional(), Length(max=12)])
    text_similarity = StringField(_l("段落相似度阈值（0.1–1）"), validators=[Optional(), Length(max=12)])


class RunForm(FlaskForm):
    pass
