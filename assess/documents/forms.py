"""Forms of the document pages (labels in Chinese; the rules live in services)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class SettingsForm(FlaskForm):
    authority_mark = StringField(_l("发文机关标志（红头）"), validators=[Optional(), Length(max=120)])
    doc_prefix = StringField(_l("发文字号机关代字"), validators=[Optional(), Length(max=40)])
    issuer_name = StringField(_l("发文机关署名"), validators=[Optional(), Length(max=120)])
    contact = StringField(_l("联系人及电话"), validators=[Optional(), Length(max=200)])
    cc_block = TextAreaField(_l("抄送机关（每行一个）"), validators=[Optional(), Length(max=2000)])
    printed_by = StringField(_l("印发机关"), validators=[Optional(), Length(max=120)])


class SealForm(FlaskForm):
    seal = FileField(_l("印章图片（PNG，透明背景）"))
    remove = BooleanField(_l("删除已上传的印章"))


class DraftForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("标题"), validators=[Length(max=200)])
    addressee = StringField(_l("主送机关"), validators=[Length(max=200)])
    opening = TextAreaField(_l("开头"), validators=[Length(max=20000)])
    overview = TextAreaField(_l("一、总体情况（考核方式和结果；各等次单位名单由排名自动列出）"),
                             validators=[Length(max=20000)])
    achievements = TextAreaField(_l("二、主要成效"), validators=[Length(max=20000)])
    problems = TextAreaField(_l("三、存在的主要问题（按出现次数预填）"), validators=[Length(max=20000)])
    requirements = TextAreaField(_l("四、下一步工作要求（含整改期限）"), validators=[Length(max=20000)])
    attachment = StringField(_l("附件名称（得分及排名表）"), validators=[Length(max=200)])


class BulkForm(FlaskForm):
    kind = SelectField(_l("批量生成"), choices=[("notice", _l("全部整改通知")), ("scoresheet", _l("全部评分表"))])


class EmptyForm(FlaskForm):
    pass


class VerifyForm(FlaskForm):
    code = StringField(_l("核验码"), validators=[Optional(), Length(max=40)])
    file = FileField(_l("比对文件（可选，PDF）"))
