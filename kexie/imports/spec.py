"""What each import reads: one declarative list of columns per kind, used alike by the header
mapping, the row validator, the downloadable template and the error workbook.

A column has a canonical Chinese header, the variants staff actually write (身份证号 / 证件号码 /
身份证 …), a type that names its parser in ``validate.py``, and the text of the explanation sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kexie.imports.models import Kind


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str = "text"
    required: bool = False
    variants: tuple[str, ...] = ()
    max_length: int = 0
    help: str | Promise = ""
    example: str = ""
    choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (value, label)


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str
    columns: tuple[Column, ...]
    notes: tuple[str | Promise, ...] = ()

    @property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}


GENDERS = (("M", "男"), ("F", "女"))
TITLE_LEVELS = (("senior", "正高级"), ("vice_senior", "副高级"), ("middle", "中级"), ("junior", "初级"), ("", "无"))
EDUCATION = (("doctor", "博士研究生"), ("master", "硕士研究生"), ("bachelor", "大学本科"), ("college", "大学专科"),
             ("other", "其他"))
CATEGORIES = (("student", "学生会员"), ("member", "会员"), ("senior", "高级会员"), ("fellow", "资深会员"),
              ("honorary", "荣誉会员"))
LEVELS = (("province", "省级"), ("city", "市级"), ("county", "县级"), ("township", "乡镇级"), ("village", "村（社区）级"))
ORG_STATUSES = (("active", "正常"), ("preparing", "筹建中"), ("suspended", "暂停活动"), ("dissolved", "已注销"),
                ("revoked", "已撤销"))

# Extra spellings accepted for choice values (after the labels and the stored values themselves).
CHOICE_SYNONYMS: dict[str, str] = {
    "男性": "M", "女性": "F", "male": "M", "female": "F",
    "博士": "doctor", "硕士": "master", "本科": "bachelor", "大学": "bachelor", "专科": "college", "大专": "college",
    "研究生": "master", "正高": "senior", "副高": "vice_senior", "中级职称": "middle", "初级职称": "junior",
    "省": "province", "市": "city", "县": "county", "区县": "county", "乡镇": "township", "街道": "township",
    "村": "village", "社区": "village", "村级": "village",
}

DATE_HELP = _("日期，如 2023-05-01、2023/5/1、2023.5.1、2023年5月1日或 Excel 日期。")
ORG_REF_HELP = _("填组织编码或组织全称；留空时为导入时选定的组织。")

PERSON_ID = Column(
    "id_number", "身份证号", "id_number",
    variants=("身份证号码", "证件号码", "身份证", "证件号", "公民身份号码", "公民身份证号", "身份证件号码"),
    help=_("18位居民身份证号码，校验位按 GB 11643 核对；请把该列设为文本格式，以免 Excel 改成科学计数法。"),
    example="110101199003074514",
)
PERSON_PHONE = Column(
    "phone", "手机号", "phone", variants=("手机", "手机号码", "移动电话", "联系电话", "电话", "联系方式"),
    help=_("11位手机号或“区号-号码”座机；没有身份证号时，按“姓名+手机号”识别已有人员。"), example="13800138000",
)
PERSON_NAME = Column("name", "姓名", "name", required=True, variants=("名字", "人员姓名", "会员姓名"), max_length=40,
                     help=_("必填，不超过40字。"), example="张伟")

PEOPLE = Spec(
    Kind.PEOPLE, "科技工作者",
    (
        PERSON_NAME,
        Column("gender", "性别", "choice", choices=GENDERS, help=_("男或女；有身份证号时须与号码一致，可留空。"),
               example="男"),
        Column("birth_date", "出生日期", "past_date", variants=("出生年月日", "生日", "出生日"),
               help=_("有身份证号时须与号码一致，可留空。") + " " + DATE_HELP, example="1990-03-07"),
        Column("ethnicity", "民族", max_length=20, example="汉族"),
        PERSON_ID,
        PERSON_PHONE,
        Column("email", "电子邮箱", "email", variants=("邮箱", "email", "e-mail", "电子邮件"), max_length=254,
               example="zhangwei@example.cn"),
        Column("org", "所属组织", "org_change", variants=("所属组织编码", "所属单位", "组织", "组织编码"),
               help=ORG_REF_HELP, example=""),
        Column("employer_name", "工作单位", variants=("单位", "工作单位名称", "单位名称", "任职单位"), max_length=120,
               example="某某大学计算机学院"),
        Column("position", "职务", max_length=60, example="副院长"),
        Column("title", "职称", variants=("专业技术职称", "技术职称"), max_length=40, example="教授"),
        Column("title_level", "职称级别", "choice", choices=TITLE_LEVELS, variants=("职称等级",),
               help=_("正高级、副高级、中级、初级或无。"), example="正高级"),
        Column("education", "学历", "choice", choices=EDUCATION, variants=("最高学历",),
               help=_("博士研究生、硕士研究生、大学本科、大学专科或其他。"), example="博士研究生"),
        Column("disciplines", "学科", "disciplines", variants=("学科代码", "学科分类", "所属学科"),
               help=_("GB/T 13745 学科代码或名称，多个用顿号分隔，第一个为主学科。"), example="520"),
        Column("expertise", "专业特长", "keywords", variants=("专长", "研究方向", "专业方向"),
               help=_("关键词，用顿号、逗号或分号分隔，最多30个，每个不超过30字。"), example="机器学习、医学影像"),
        Column("bio", "个人简介", variants=("简介", "简历"), max_length=5000, example=""),
    ),
    notes=(
        _("以身份证号识别已有人员；没有身份证号时，以“姓名+手机号”识别。"),
        _("“更新已有记录”用文件中非空的单元格覆盖平台中的值；“仅补充空白字段”只填写平台中为空的字段；空白单元格不会清除已有数据。"),
    ),
)

ORGS = Spec(
    Kind.ORGS, "组织",
    (
        Column("code", "组织编码", "code", required=True, variants=("编码", "组织代码", "机构编码"), max_length=40,
               help=_("必填，平台内唯一；已有的编码表示更新该组织。"), example="C-0101-X01"),
        Column("name", "名称", required=True, variants=("组织名称", "组织全称", "单位名称", "机构名称"), max_length=120,
               example="某某县科学技术协会"),
        Column("short_name", "简称", variants=("组织简称",), max_length=60, example="某某县科协"),
        Column("kind", "组织类型", "org_kind", required=True, variants=("类型", "组织类别"),
               help=_("平台中的组织类型名称或代码，如“县级科协”“学会”。"), example="县级科协"),
        Column("level", "层级", "choice", required=True, choices=LEVELS, variants=("级别", "组织层级"),
               help=_("省级、市级、县级、乡镇级或村（社区）级。"), example="县级"),
        Column("parent", "上级组织", "parent", variants=("上级组织编码", "上级单位", "上级"),
               help=format_lazy("{}{}", ORG_REF_HELP, _("上级组织也在本文件中时，须排在下级之前。")), example=""),
        Column("region", "所在地区", "region", variants=("行政区划", "行政区划代码", "地区", "区划代码"),
               help=_("GB/T 2260 行政区划代码或名称。"), example=""),
        Column("uscc", "统一社会信用代码", "uscc", variants=("信用代码", "社会信用代码"),
               help=_("18位，校验位按 GB 32100 核对；可留空。"), example=""),
        Column("status", "状态", "choice", choices=ORG_STATUSES, help=_("正常、筹建中、暂停活动、已注销或已撤销。"),
               example="正常"),
        Column("founded_on", "成立日期", "past_date", help=DATE_HELP, example="2001-06-18"),
        Column("supervisor", "业务主管单位", variants=("主管单位",), max_length=120, example=""),
        Column("contact_name", "联系人", max_length=40, example="李娜"),
        Column("contact_phone", "联系电话", "phone", variants=("联系人电话", "电话"), max_length=30,
               example="0571-87654321"),
        Column("email", "电子邮箱", "email", variants=("邮箱", "email"), max_length=254, example=""),
        Column("address", "地址", variants=("通讯地址", "办公地址"), max_length=200, example=""),
        Column("website", "网站", "url", variants=("网址", "网站地址"), max_length=200, example=""),
        Column("note", "备注", max_length=2000, example=""),
    ),
    notes=(_("以组织编码识别已有组织；导入不能迁移已有组织的上级，请使用组织迁移功能。"),),
)

SOCIETY_REF_HELP = _("学会或其分支机构的组织编码或全称；留空时为导入时选定的组织。")

MEMBERSHIPS = Spec(
    Kind.MEMBERSHIPS, "个人会员",
    (
        PERSON_NAME,
        PERSON_ID,
        PERSON_PHONE,
        Column("society", "学会", "society", variants=("所属学会", "学会名称", "学会编码", "入会学会"),
               help=SOCIETY_REF_HELP, example=""),
        Column("category", "会员类别", "choice", required=True, choices=CATEGORIES, variants=("类别", "会员类型"),
               help=_("学生会员、会员、高级会员、资深会员或荣誉会员。"), example="会员"),
        Column("number", "会员号", "code", variants=("会员编号", "会员证号"), max_length=40, example="M2023-0001"),
        Column("applied_on", "申请日期", "past_date", help=DATE_HELP, example=""),
        Column("joined_on", "入会日期", "past_date", variants=("入会时间",), help=DATE_HELP, example="2023-05-01"),
        Column("dues_paid_through", "会费缴至", "date", variants=("会费缴至日期", "缴费截止日期", "会费有效期"),
               help=DATE_HELP, example="2025-12-31"),
        Column("note", "备注", max_length=200, example=""),
    ),
    notes=(
        _("以身份证号（或姓名+手机号）识别人员；平台中没有的人员将登记在该学会名下。"),
        _("同一人在同一学会已有在册会籍时视为已有记录；会员状态按入会日期和会费缴至日期自动计算。"),
    ),
)

GROUPS = Spec(
    Kind.GROUPS, "单位会员",
    (
        Column("member", "会员单位", "org_view", required=True, variants=("单位", "单位名称", "会员单位编码"),
               help=_("已在平台登记的单位的组织编码或全称。"), example=""),
        Column("society", "学会", "society", variants=("所属学会", "学会名称", "学会编码"), help=SOCIETY_REF_HELP,
               example=""),
        Column("number", "会员号", "code", variants=("会员编号",), max_length=40, example=""),
        Column("joined_on", "入会日期", "past_date", help=DATE_HELP, example="2022-01-01"),
        Column("dues_paid_through", "会费缴至", "date", variants=("会费缴至日期",), help=DATE_HELP, example=""),
        Column("representative", "单位代表", variants=("代表", "联系人"), max_length=40, example=""),
    ),
    notes=(_("同一单位在同一学会已有在册会籍时视为已有记录。"),),
)

SPECS: dict[str, Spec] = {s.kind: s for s in (ORGS, PEOPLE, MEMBERSHIPS, GROUPS)}

# Headers the error workbook adds; ignored when the fixed file is uploaded again.
ERROR_HEADER = "错误信息"
ROW_HEADER = "原行号"
IGNORED_HEADERS = frozenset({ERROR_HEADER, ROW_HEADER, "序号", "编号", "行号"})

_HEADER_NOISE = re.compile(r"[\s*＊:：]|[（(](必填|选填|可选|必须)[)）]")


def normalise_header(text: str) -> str:
    return _HEADER_NOISE.sub("", str(text or "")).lower()


def header_index(spec: Spec) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in spec.columns:
        for name in (col.header, *col.variants):
            index.setdefault(normalise_header(name), col)
    return index
