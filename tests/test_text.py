"""Separators belong to the language: lists and clauses joined in messages follow the active language
(kexie.core.text), in Python and in templates."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from kexie.calls import eligibility
from kexie.core.text import join_clauses, join_list
from kexie.formkit import schema


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.deactivate()


def test_chinese_separators():
    with translation.override("zh-hans"):
        assert join_list(["甲", "乙", "丙"]) == "甲、乙、丙"
        assert join_clauses(["第一句", "第二句"]) == "第一句；第二句"


def test_english_separators():
    with translation.override("en"):
        assert join_list(["a", "b", "c"]) == "a, b, c"
        assert join_clauses(["first", "second"]) == "first; second"


def test_items_are_strings_and_generators_work():
    with translation.override("zh-hans"):
        assert join_list(n for n in (1, 2, 3)) == "1、2、3"
        assert join_list([]) == ""
        assert join_clauses(iter(["只有一句"])) == "只有一句"


def test_separator_is_looked_up_at_call_time():
    with translation.override("zh-hans"):
        zh = join_list(["a", "b"])
    with translation.override("en"):
        en = join_list(["a", "b"])
    assert (zh, en) == ("a、b", "a, b")


def test_template_filter():
    template = Template('{% load kexie %}{{ names|join_list|default:"—" }}')
    with translation.override("zh-hans"):
        assert template.render(Context({"names": ["甲", "<乙>"]})) == "甲、&lt;乙&gt;"
        assert template.render(Context({"names": []})) == "—"
    with translation.override("en"):
        assert template.render(Context({"names": ["a", "b"]})) == "a, b"


def test_report_attachment_message_uses_the_list_separator():
    field = {"key": "cv", "label": "简历", "type": "file", "extensions": ["pdf", "docx"]}
    with translation.override("zh-hans"), pytest.raises(ValueError) as zh:
        schema.check_file(field, "cv.exe", 10)
    assert "pdf、docx" in str(zh.value)
    with translation.override("en"), pytest.raises(ValueError) as en:
        schema.check_file(field, "cv.exe", 10)
    assert "pdf, docx" in str(en.value)


def test_eligibility_rule_text_uses_the_list_separator():
    rule = {"rule": "title", "levels": ["senior", "vice_senior"]}
    with translation.override("zh-hans"):
        assert eligibility.describe(rule) == "职称级别为：正高级、副高级"
    with translation.override("en"):
        assert "、" not in eligibility.describe(rule)
