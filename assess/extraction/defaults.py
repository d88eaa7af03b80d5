"""Default keywords per standard assessment area — data, not code.

A rubric's own ``AreaSpec.keywords`` replace these; :func:`assess.extraction.summary.area_specs_with_defaults`
fills in the defaults for an area that gives none, matching on its code or title.
Weights: a keyword's weight grows with its length (longer phrases are more specific), see summary.py.
"""

from __future__ import annotations

# Words found in nearly every paragraph of a disclosure summary: matched first and scored for no
# area, so that e.g. the 公开 inside 政务公开 does not count as proactive disclosure.
NEUTRAL_KEYWORDS: list[str] = ["政务公开", "公开工作", "信息公开工作"]

DEFAULT_AREAS: dict[str, dict[str, object]] = {
    "organisation": {
        "title": "组织领导",
        "aliases": ["组织领导", "组织保障", "领导重视", "组织机构"],
        "keywords": [
            "领导小组", "组织领导", "分管领导", "主要负责", "主要领导", "一把手", "专人负责", "专职",
            "兼职", "专干", "三到位", "工作要点", "实施方案", "工作计划", "议事日程", "议题",
            "党组会", "党委会", "局务会", "办公会", "班子会", "常务会", "专题会议", "研究部署",
            "部署", "党组", "专题研究", "任务分工", "责任人", "责任分工", "责任到人", "分工", "业务培训", "培训", "学习", "经费", "年初",
            "年中", "年末", "牵头", "组织机构", "工作机构", "人员", "调整充实", "考核",
        ],
    },
    "mechanisms": {
        "title": "制度机制",
        "aliases": ["制度机制", "制度建设", "机制建设", "规范管理", "工作机制"],
        "keywords": [
            "制度", "机制", "保密审查", "审查", "检查", "三审", "审核", "审签", "发布协调", "责任追究", "问责",
            "公开指南", "公开目录", "年度报告", "年报", "台账", "流程", "规范化", "标准化",
            "整改", "问题整改", "销号", "自查", "监督检查", "督查", "通报", "工作规范", "办法",
            "细则", "备案", "归档", "考核评议",
        ],
    },
    "proactive": {
        "title": "主动公开",
        "aliases": ["主动公开", "信息发布", "公开内容", "平台建设", "重点领域"],
        "keywords": [
            "主动公开", "公开信息", "发布信息", "公开各类信息", "政府网站", "门户网站", "网站",
            "栏目", "专栏", "公众号", "微信", "微博", "新媒体", "公开栏", "公示栏", "公示",
            "电子屏", "显示屏", "财政预算", "部门预算", "决算", "三公", "规范性文件", "权责清单",
            "重点领域", "政务动态", "通知公告", "人事信息", "招聘", "资金", "项目", "公开", "发布",
            "更新", "错敏", "链接", "政务服务", "办事指南", "基金", "公开率",
        ],
    },
    "interpretation": {
        "title": "政策解读",
        "aliases": ["政策解读", "解读回应", "解读"],
        "keywords": [
            "政策解读", "解读", "图解", "一图读懂", "问答", "新闻发布会", "发布会", "在线访谈",
            "访谈", "视频解读", "动漫", "宣讲", "政策宣传", "明白纸", "政策文件", "同步",
            "宣传册", "进社区", "进村", "宣传活动",
        ],
    },
    "response": {
        "title": "回应关切与依申请公开",
        "aliases": ["回应关切", "依申请公开", "互动回应", "政民互动", "回应"],
        "keywords": [
            "依申请", "申请公开", "公开申请", "政府信息公开申请", "申请", "答复", "回复", "热线",
            "12345", "12333", "信箱", "留言", "咨询", "舆情", "回应", "关切", "诉求", "复议",
            "诉讼", "来信", "来电", "来访", "接听", "办结", "满意度", "互动", "投诉", "意见征集",
            "征求意见", "民意", "工单", "信访",
        ],
    },
}
