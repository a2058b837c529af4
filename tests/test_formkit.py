"""The shared form engine (kexie.formkit): the builder's pure edits (sections, fields, table columns, rules; bad input
refused in Chinese with the schema unchanged), the builder's forms turning a browser's POST into an edit, and the
preview as the filler will see it."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.template.loader import render_to_string

from kexie.formkit import builder, editor
from kexie.formkit import schema as S

BASE = {"sections": [
    {"key": "basic", "title": "基本情况", "fields": [
        {"key": "total", "label": "总数", "type": "number", "required": True},
        {"key": "part", "label": "部分", "type": "number"},
        {"key": "events", "label": "活动", "type": "table", "max_rows": 10, "columns": [
            {"key": "name", "label": "名称", "type": "text", "required": True},
            {"key": "people", "label": "人数", "type": "number", "decimals": 0}]}]},
    {"key": "other", "title": "其他", "fields": [{"key": "note", "label": "说明", "type": "text"}]}],
    "rules": [{"expr": "part <= total", "message": "部分不能超过总数"}]}


def keys(schema):
    return [[f["key"] for f in s["fields"]] for s in schema["sections"]]


def refused(call, *args, **kwargs) -> list[str]:
    before = copy.deepcopy(BASE)
    with pytest.raises(ValidationError) as exc:
        call(BASE, *args, **kwargs)
    assert BASE == before  # the argument is never changed
    return exc.value.messages


def test_sections_are_added_renamed_moved_and_deleted():
    out = builder.add_section(BASE, "extra", "补充")
    assert [s["key"] for s in out["sections"]] == ["basic", "other", "extra"]
    assert [s["key"] for s in BASE["sections"]] == ["basic", "other"]  # a new schema, the old one untouched
    out = builder.move_section(out, "extra", "up")
    assert [s["key"] for s in out["sections"]] == ["basic", "extra", "other"]
    assert builder.move_section(out, "basic", "up") == out  # the first stays first
    out = builder.edit_section(out, "extra", title="补充材料", new_key="more")
    assert out["sections"][1] == {"key": "more", "title": "补充材料", "fields": []}
    assert [s["key"] for s in builder.delete_section(out, "more")["sections"]] == ["basic", "other"]


def test_bad_sections_are_refused_in_chinese():
    assert refused(builder.add_section, "basic", "重复") == ["节的键“basic”重复。"]
    assert refused(builder.add_section, "Bad Key", "x") == [
        "第 3 节的键“Bad Key”无效：应以小写字母开头，只含小写字母、数字和下划线。"]
    assert refused(builder.add_section, "fine", " ") == ["第 3 节缺少标题。"]
    assert refused(builder.delete_section, "nope") == ["没有这个节。"]
    assert refused(builder.move_section, "basic", "sideways") == ["移动方向无效。"]
    # deleting the section of a field a rule uses would break the rule
    assert refused(builder.delete_section, "basic") == ["规则“part <= total”引用了未知的数值字段：part、total。"]


def test_fields_are_added_replaced_moved_between_sections_and_deleted():
    out = builder.save_field(BASE, "other", {"key": "when", "label": "日期", "type": "date"})
    assert keys(out) == [["total", "part", "events"], ["note", "when"]]
    out = builder.move_field(out, "part", "up")
    assert keys(out)[0] == ["part", "total", "events"]
    out = builder.save_field(out, "basic", {"key": "total", "label": "总数（人）", "type": "number", "unit": "人"},
                             original="total")
    assert out["sections"][0]["fields"][1] == {"key": "total", "label": "总数（人）", "type": "number", "unit": "人"}
    out = builder.save_field(out, "basic", {"key": "note", "label": "说明", "type": "text"}, original="note")
    assert keys(out) == [["part", "total", "events", "note"], ["when"]]
    assert keys(builder.delete_field(out, "events")) == [["part", "total", "note"], ["when"]]


def test_bad_fields_are_refused_in_chinese():
    assert refused(builder.save_field, "basic", {"key": "part", "label": "又一个", "type": "number"}) == [
        "字段的键“part”重复。"]
    assert refused(builder.save_field, "nope", {"key": "x", "label": "X", "type": "text"}) == ["没有这个节。"]
    assert refused(builder.save_field, "basic", {"key": "x", "label": "X", "type": "choice", "choices": []}) == [
        "选项字段“x”没有选项。"]
    assert refused(builder.save_field, "basic", {"key": "x", "label": "X", "type": "number", "min": 5, "max": 1}) == [
        "数值字段“x”的最小值大于最大值。"]
    assert refused(builder.save_field, "basic", {"key": "t", "label": "T", "type": "table", "columns": []}) == [
        "表格“t”没有列。"]
    # a number field may be pre-filled only from what the caller offers
    prefilled = {"key": "m", "label": "会员", "type": "number", "prefill": "members"}
    assert refused(builder.save_field, "basic", prefilled) == ["字段“m”的预填来源“members”未知。"]
    assert S.field_map(builder.save_field(BASE, "basic", prefilled, prefill=["members"]))["m"]["prefill"] == "members"
    # renaming a field a rule uses, or deleting it, is refused with the rule named
    assert refused(builder.save_field, "basic", {"key": "whole", "label": "总数", "type": "number"},
                   original="total") == ["规则“part <= total”引用了未知的数值字段：total。"]
    assert refused(builder.delete_field, "part") == ["规则“part <= total”引用了未知的数值字段：part。"]
    assert refused(builder.delete_field, "nope") == ["没有这个字段。"]


def test_table_columns_are_added_edited_moved_and_deleted():
    out = builder.add_column(BASE, "events", {"key": "kind", "label": "类型", "type": "choice", "choices": ["线上", "线下"]})
    assert [c["key"] for c in S.field_map(out)["events"]["columns"]] == ["name", "people", "kind"]
    out = builder.move_column(out, "events", "kind", "up")
    assert [c["key"] for c in S.field_map(out)["events"]["columns"]] == ["name", "kind", "people"]
    out = builder.edit_column(out, "events", "people", {"key": "people", "label": "参加人数", "type": "number"})
    assert S.field_map(out)["events"]["columns"][2]["label"] == "参加人数"
    out = builder.delete_column(out, "events", "kind")
    assert [c["key"] for c in S.field_map(out)["events"]["columns"]] == ["name", "people"]
    assert "events.people" in S.figure_keys(out)  # a number column's sum is a figure rules may use


def test_bad_columns_are_refused_in_chinese():
    assert refused(builder.add_column, "events", {"key": "name", "label": "重名", "type": "text"}) == [
        "表格“events”的列的键“name”重复。"]
    assert refused(builder.add_column, "events", {"key": "sub", "label": "子表", "type": "table", "columns": []}) == [
        "表格“events”的列“sub”不能是表格。"]
    assert refused(builder.add_column, "total", {"key": "x", "label": "X", "type": "text"}) == ["字段“total”不是表格。"]
    assert refused(builder.delete_column, "events", "nope") == ["表格“活动”没有列“nope”。"]
    one = builder.delete_column(BASE, "events", "people")
    with pytest.raises(ValidationError) as exc:
        builder.delete_column(one, "events", "name")
    assert exc.value.messages == ["表格“events”没有列。"]


def test_rules_are_added_edited_moved_and_deleted():
    out = builder.add_rule(BASE, " events.rows <= 5 ", "活动不超过 5 项")
    assert out["rules"][1] == {"expr": "events.rows <= 5", "message": "活动不超过 5 项"}
    out = builder.move_rule(out, 1, "up")
    assert [r["expr"] for r in out["rules"]] == ["events.rows <= 5", "part <= total"]
    out = builder.edit_rule(out, 1, "part < total")
    assert out["rules"][1] == {"expr": "part < total", "message": ""}
    assert [r["expr"] for r in builder.delete_rule(out, 0)["rules"]] == ["part < total"]


def test_bad_rules_are_refused_in_chinese():
    assert refused(builder.add_rule, "part <= nothing") == ["规则“part <= nothing”引用了未知的数值字段：nothing。"]
    assert refused(builder.add_rule, "__import__('os') == 1") == [
        "规则“__import__('os') == 1”中含有不允许的内容（只可使用数值字段、数字、+ - * /、比较和 and/or）。"]
    assert refused(builder.add_rule, "part +") == ["规则“part +”的语法有误。"]
    assert refused(builder.add_rule, "part + total") == ["规则“part + total”应为比较（如 a <= b）。"]
    assert refused(builder.edit_rule, 5, "part <= total") == ["没有这条规则。"]
    assert refused(builder.delete_rule, -1) == ["没有这条规则。"]


def test_an_old_problem_does_not_block_the_edit_that_fixes_it():
    broken = copy.deepcopy(BASE)
    broken["sections"][1]["fields"].append({"key": "pick", "label": "选择", "type": "choice", "choices": []})
    assert S.check_schema(broken) == ["选项字段“pick”没有选项。"]
    fixed = builder.save_field(broken, "other", {"key": "pick", "label": "选择", "type": "choice",
                                                 "choices": ["是", "否"]}, original="pick")
    assert S.check_schema(fixed) == []
    assert builder.move_field(broken, "note", "down")  # unrelated edits go through too


def post(data: dict[str, str]) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in data.items():
        q[k] = v
    return q


def test_a_table_field_is_posted_with_its_columns_as_a_formset():
    data = post({"op": "save_field", "prefix": "n-other", "n-other-section": "other", "n-other-key": "papers",
                 "n-other-label": "论文", "n-other-type": "table", "n-other-max_rows": "20",
                 "n-other-col-TOTAL_FORMS": "4", "n-other-col-INITIAL_FORMS": "0",
                 "n-other-col-0-key": "title", "n-other-col-0-label": "题目", "n-other-col-0-type": "text",
                 "n-other-col-0-required": "on", "n-other-col-0-ORDER": "2",
                 "n-other-col-1-key": "year", "n-other-col-1-label": "年份", "n-other-col-1-type": "number",
                 "n-other-col-1-min": "1950", "n-other-col-1-ORDER": "1",
                 "n-other-col-2-key": "gone", "n-other-col-2-label": "删掉", "n-other-col-2-type": "text",
                 "n-other-col-2-DELETE": "on",
                 "n-other-col-3-type": "text"})  # a blank row is ignored
    out = editor.apply_edit(BASE, data)
    assert S.field_map(out)["papers"] == {"key": "papers", "label": "论文", "type": "table", "max_rows": 20, "columns": [
        {"key": "year", "label": "年份", "type": "number", "min": 1950, "decimals": 0},
        {"key": "title", "label": "题目", "type": "text", "required": True}]}
    data["n-other-col-1-key"] = "Year!"
    with pytest.raises(ValidationError) as exc:
        editor.apply_edit(BASE, data)
    assert len(exc.value.messages) == 1 and exc.value.messages[0].startswith("第 2 列：列键：")
    del data["n-other-col-TOTAL_FORMS"]
    with pytest.raises(ValidationError) as exc:
        editor.apply_edit(BASE, data)
    assert exc.value.messages == ["表格的列没有随表单提交，请重新打开页面再试。"]


def test_editing_a_field_keeps_what_the_form_does_not_manage():
    schema = builder.save_field(BASE, "other", {"key": "letter", "label": "推荐信", "type": "file",
                                                "extensions": ["pdf"], "max_size": 1048576, "note": "x"})
    data = post({"op": "save_field", "prefix": "e-letter", "e-letter-section": "other",
                 "e-letter-original": "letter", "e-letter-key": "letter", "e-letter-label": "推荐信（盖章）",
                 "e-letter-type": "file", "e-letter-extensions": "pdf, docx", "e-letter-max_size": "2"})
    out = editor.apply_edit(schema, data)
    assert S.field_map(out)["letter"] == {"key": "letter", "label": "推荐信（盖章）", "type": "file", "note": "x",
                                          "extensions": ["pdf", "docx"], "max_size": 2 * 1024 * 1024}


def test_unknown_operations_and_bad_input_change_nothing():
    for data in ({"op": "drop_table"}, {}, {"op": "move_field", "key": "part", "dir": "left"},
                 {"op": "remove_rule", "index": "x"}, {"op": "save_field", "prefix": "../x"}):
        with pytest.raises(ValidationError) as exc:
            editor.apply_edit(BASE, post(data))
        assert exc.value.messages and all(m for m in exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        editor.apply_edit(BASE, post({"op": "drop_table"}))
    assert exc.value.messages == ["无法识别的操作。"]
    with pytest.raises(ValidationError) as exc:
        editor.apply_edit(BASE, post({"op": "add_section", "s-key": "basic", "s-title": "又一个"}))
    assert exc.value.messages == ["节的键“basic”重复。"]


def test_the_builder_and_its_preview_render():
    ctx = editor.context(BASE, edit_url="/x/edit/", editable=True)
    html = render_to_string("formkit/_builder.html", {"builder": ctx})
    # the preview: the form as the filler sees it (inputs named as on the fill page, a table with a blank row)
    assert 'name="f-total"' in html and 'name="t-events-0-name"' in html and "部分不能超过总数" in html
    # the builder: an edit form per field, its columns as a formset, and no JSON text box anywhere
    assert 'name="e-events-col-TOTAL_FORMS"' in html and 'value="people"' in html
    assert 'name="n-basic-key"' in html and 'name="s-key"' in html and 'name="r-expr"' in html
    assert "JSON" not in html
    readonly = render_to_string("formkit/_builder.html", {"builder": editor.context(BASE, edit_url="/x/edit/",
                                                                                  editable=False)})
    assert 'name="f-total"' in readonly and "<form" not in readonly
    empty = render_to_string("formkit/_preview.html", {"sections": [], "rules": []})
    assert "添加节和字段后，这里显示填报人看到的表单。" in empty
