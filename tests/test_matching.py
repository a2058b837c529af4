"""Expert matching (kexie.innovation.matching): ranking, explanations, region, load, scope, deletion,
public profiles, feedback, the `kexie match` command and bad input."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from kexie.innovation.management.commands.match import Command
from kexie.innovation.matching import (
    EmptyQuery,
    Feedback,
    build_index,
    match_need,
    rank_texts,
    set_needs_source,
)
from kexie.innovation.matching.store import clear_cache

GEAR_NEED = "减速器齿轮传动噪声偏大，希望专家帮助做齿轮修形和传动误差测试，降低齿轮啮合噪声。"


@pytest.fixture
def match_dir(tmp_path, db):
    clear_cache()
    with override_settings(KEXIE_MATCH_DIR=tmp_path):
        yield tmp_path
    clear_cache()


def _person(org, name: str, keywords: list[str], code: str = "140", public: bool = False):
    from kexie.people.models import Discipline, Person, PersonDiscipline

    p = Person.objects.create(name=name, org=org, org_path=org.path, expertise=keywords, public_profile=public)
    PersonDiscipline.objects.create(person=p, discipline=Discipline.objects.get(code=code), is_primary=True)
    return p


def _two_orgs_in_different_counties():
    from kexie.orgs.models import Organisation

    orgs = list(Organisation.objects.filter(region__isnull=False).select_related("region").order_by("path"))
    first = next(o for o in orgs if o.region.code[4:] != "00")
    second = next(o for o in orgs if o.region.code[:4] != first.region.code[:4])
    return first, second


def _primary(person_id: int) -> str:
    from kexie.people.models import PersonDiscipline

    return PersonDiscipline.objects.get(person_id=person_id, is_primary=True).discipline.code


def test_gear_noise_ranks_mechanical_engineers_first(province, match_dir):
    build_index()
    results = match_need(GEAR_NEED, top=5, industry="34")
    assert results
    assert [_primary(r.person_id)[:3] for r in results[:3]] == ["460"] * 3
    top = results[0]
    assert top.disciplines[0] == "460"
    # each reason names the need's own words and the expert's keyword that matched them
    assert top.why["pairs"] and all(need in GEAR_NEED for need, _ in top.why["pairs"])
    assert "460" in top.why["disciplines"]
    assert top.why["terms"][0] in top.why["text"] and "460 机械工程" in top.why["text"]


def test_region_bonus_changes_order_between_equal_experts(province, match_dir):
    near_org, far_org = _two_orgs_in_different_counties()
    far = _person(far_org, "远方甲", ["超导量子比特读出"])
    near = _person(near_org, "近处乙", ["超导量子比特读出"])
    build_index()
    plain = [r.person_id for r in match_need("超导量子比特读出电路", top=2)]
    assert plain == [far.id, near.id]  # equal scores: lower id first
    preferred = match_need("超导量子比特读出电路", top=2, region=near_org.region.code)
    assert [r.person_id for r in preferred] == [near.id, far.id]
    assert preferred[0].why["region"] == "同一区县"
    assert preferred[1].why["region"] is None


def test_load_penalty_pushes_busy_expert_down(province, match_dir):
    org, _ = _two_orgs_in_different_counties()
    busy = _person(org, "忙碌甲", ["拓扑量子材料生长"])
    free = _person(org, "空闲乙", ["拓扑量子材料生长"])
    build_index()
    assert [r.person_id for r in match_need("拓扑量子材料生长", top=2)] == [busy.id, free.id]
    ranked = match_need("拓扑量子材料生长", top=2, load={busy.id: 4})
    assert [r.person_id for r in ranked] == [free.id, busy.id]


def test_scope_filter_never_returns_people_outside(province, match_dir):
    from kexie.people.models import Person

    build_index()
    city_a = province["city_a"]
    insider = Person.objects.filter(org_path__startswith=city_a.path).exclude(expertise=[]).order_by("id").first()
    need = "、".join(insider.expertise)
    everyone = match_need(need, top=50)
    paths = dict(Person.objects.values_list("id", "org_path"))
    assert any(not paths[r.person_id].startswith(city_a.path) for r in everyone)
    results = match_need(need, top=50, allowed_paths=[city_a.path])
    assert insider.id in [r.person_id for r in results]
    assert all(paths[r.person_id].startswith(city_a.path) for r in results)
    assert match_need(need, top=5, allowed_paths=[]) == []


def test_deleted_people_are_never_returned(province, match_dir):
    from kexie.people.models import Person

    build_index()
    first = match_need(GEAR_NEED, top=3)[0]
    Person.objects.filter(id=first.person_id).update(deleted_at=timezone.now())
    again = match_need(GEAR_NEED, top=3)  # the index still has them: the database re-check drops them
    assert first.person_id not in [r.person_id for r in again]
    assert len(again) == 3
    build_index()
    assert first.person_id not in [r.person_id for r in match_need(GEAR_NEED, top=50)]


def test_public_only(province, match_dir):
    from kexie.people.models import Person

    build_index()
    results = match_need(GEAR_NEED, top=10, public_only=True)
    assert results
    public = set(Person.objects.filter(public_profile=True).values_list("id", flat=True))
    assert all(r.person_id in public for r in results)


def test_feedback_not_useful_pushes_expert_down_for_similar_needs(province, match_dir):
    index = build_index()
    before = match_need(GEAR_NEED, top=10, index=index)
    victim = before[0].person_id
    feedback = Feedback([("齿轮传动噪声大，需要齿轮修形专家", victim, False)])
    after = match_need(GEAR_NEED, top=50, index=index, feedback=feedback)
    ids = [r.person_id for r in after]
    assert victim not in ids[:3]
    if victim in ids:
        assert "类似需求反馈无用" in after[ids.index(victim)].why["text"]
    # an unrelated need is not affected
    other = "水稻病虫害绿色防控技术推广"
    assert ([r.person_id for r in match_need(other, top=5, index=index)]
            == [r.person_id for r in match_need(other, top=5, index=index, feedback=feedback)])


def test_index_is_built_on_first_use_and_reloaded_when_file_changes(province, match_dir):
    org, _ = _two_orgs_in_different_counties()
    assert not (match_dir / "experts.npz").exists()
    assert match_need(GEAR_NEED, top=1)
    assert (match_dir / "experts.npz").exists()
    newcomer = _person(org, "新人丙", ["声子晶体隔振"])
    assert match_need("声子晶体隔振", top=1) == [] or match_need("声子晶体隔振", top=1)[0].person_id != newcomer.id
    build_index()
    assert match_need("声子晶体隔振", top=1)[0].person_id == newcomer.id


def test_cli_need_json_has_the_fields(province, match_dir):
    out = io.StringIO()
    call_command(Command(), "need", GEAR_NEED, "--top", "3", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 3
    assert set(rows[0]) == {"person_id", "name", "disciplines", "score", "why"}
    assert set(rows[0]["why"]) == {"terms", "pairs", "disciplines", "region", "text"}
    text = io.StringIO()
    call_command(Command(), "need", GEAR_NEED, "--top", "2", stdout=text)
    assert "匹配：" in text.getvalue()


@pytest.mark.parametrize("query", ["", "   ", "的 了 和！！？", "。。。"])
def test_empty_or_garbage_query_gives_a_clear_message(province, match_dir, query):
    with pytest.raises(EmptyQuery, match="没有可用于匹配的词语"):
        match_need(query)
    with pytest.raises(CommandError, match="没有可用于匹配的词语"):
        call_command(Command(), "need", query, stdout=io.StringIO())


def test_unknown_words_give_no_results_not_an_error(province, match_dir):
    out = io.StringIO()
    call_command(Command(), "need", "zzqxv wqpmk", stdout=out)
    assert "没有找到匹配的专家" in out.getvalue()


def test_rank_texts_and_expert_command(province, match_dir):
    needs = [
        (1, "齿轮箱传动噪声测试与齿轮修形", ["460"], "340102", "齿轮降噪"),
        (2, "水稻病虫害绿色防控", ["210"], None, "水稻植保"),
        (3, "污水处理厂除磷脱氮工艺优化", ["610"], None, "污水处理"),
    ]
    ranked = rank_texts("齿轮传动 齿轮修形 机械设计", needs, top=2, disciplines=["460"])
    assert ranked[0].person_id == 1 and ranked[0].name == "齿轮降噪"
    assert "齿轮" in ranked[0].why["terms"]
    set_needs_source(lambda: needs)
    try:
        out = io.StringIO()
        call_command(Command(), "achievement", "一种齿轮修形方法，降低传动噪声", "--format", "json", stdout=out)
        assert json.loads(out.getvalue())[0]["person_id"] == 1
    finally:
        set_needs_source(None)


def test_expert_command_ranks_needs_for_the_expert(province, match_dir):
    org, _ = _two_orgs_in_different_counties()
    expert = _person(org, "齿轮丁", ["齿轮传动", "齿轮修形"], code="460")
    needs = [
        (11, "污水处理厂除磷脱氮工艺优化", ["610"], None, "污水处理"),
        (12, "齿轮箱传动噪声测试与齿轮修形", ["460"], None, "齿轮降噪"),
    ]
    set_needs_source(lambda: needs)
    try:
        out = io.StringIO()
        call_command(Command(), "expert", str(expert.id), "--format", "json", stdout=out)
        rows = json.loads(out.getvalue())
        assert rows[0]["person_id"] == 12 and rows[0]["name"] == "齿轮降噪"
        assert "460" in rows[0]["why"]["disciplines"]
        with pytest.raises(CommandError, match="没有编号为"):
            call_command(Command(), "expert", "999999999", stdout=io.StringIO())
    finally:
        set_needs_source(None)


def test_needs_module_missing_gives_a_clear_message(province, match_dir, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "kexie.innovation.models", None)  # import fails as if the module were absent
    with pytest.raises(CommandError, match="技术需求模块尚未启用。") as exc:
        call_command(Command(), "achievement", "一种齿轮修形方法", stdout=io.StringIO())
    assert exc.value.returncode == 2
