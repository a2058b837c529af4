"""What each import reads: one declarative list of columns per kind (``Spec``; each kind's own is beside its
importer, named by the ``ImportKind`` its app declares), used alike by the header mapping, the row validator,
the downloadable template and the error workbook. Here: the column and spec types, the shared code lists and
help texts, and the header matching.

A column has a canonical Chinese header, the variants staff actually write (身份证号 / 证件号码 /
身份证 …), a type that names its parser in ``cells.py``, and the text of the explanation sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


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
