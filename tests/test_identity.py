"""Identity resolution in the register: the dedup job, merge and undo, mark distinct, the review console,
scope, and ``kexie people dedup``."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from kexie.core.models import AuditEntry
from kexie.core.services import SYSTEM
from kexie.identity import services
from kexie.identity.models import CandidateStatus, MatchCandidate, Merge
from kexie.members.models import BodyKind, LeadershipBody, Membership, MembershipEvent, Post, Term
from kexie.people import services as people_services
from kexie.people.models import Discipline, Person, PersonDiscipline
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _id(birth: str, seq: str) -> str:
    from kexie.core.validators import id_check_char

    body = f"990100{birth}{seq}"
    return body + id_check_char(body)


def _person(actor, org, **data) -> Person:
    return people_services.create_person(actor, {"org": org, **data})


@pytest.fixture
def staff(province):
    return province["users"]["demo-city-a"]


@pytest.fixture
def twins(province, staff):
    """One scientist registered twice in city A: traditional characters, no ID number the second time,
    the employer written another way; a membership, a post and a discipline on the second record."""
    a = province["city_a"]
    first = _person(staff, a, name="欧阳振华", id_number=_id("19780412", "351"), phone="13955501234",
                    employer_name="澜州第一人民医院", title="主任医师")
    second = _person(staff, a, name="歐陽振華", birth_date=dt.date(1978, 4, 12), gender="M", phone="13955501234",
                     email="ouyzh@example.cn", employer_name="澜州市第一人民医院（本部）", bio="心血管内科")
    return first, second


def _state(*objs):
    out = []
    for obj in objs:
        fresh = type(obj).objects.get(pk=obj.pk)
        out.append({f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields
                    if f.attname != "updated_at"})
    return out


def test_job_merges_sure_pairs(twins):
    first, second = twins
    report = services.run_dedup(SYSTEM)
    assert report["pairs_found"] >= 1 and report["merged"] >= 1
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.deleted_at is not None and second.merged_into_id == first.pk  # the record with the ID survives
    assert first.email == "ouyzh@example.cn" and first.bio == "心血管内科"  # empty fields filled
    assert first.title == "主任医师"  # filled fields are never overwritten
    candidate = MatchCandidate.objects.get(person_a=first, person_b=second)
    assert candidate.status == CandidateStatus.AUTO_MERGED
    assert candidate.evidence["name"]["label"] == "相同"  # 歐陽振華 = 欧阳振华 after t2s
    assert candidate.evidence["phone"]["label"] == "一致"
    assert AuditEntry.objects.filter(action="identity.person.merged", object_id=first.pk).exists()
    again = services.run_dedup(SYSTEM)
    assert not MatchCandidate.objects.filter(person_b=second).exclude(pk=candidate.pk).exists()
    assert again["records"] == report["records"] - report["merged"]


def test_merge_keeps_memberships_posts_history_and_undo_restores_exactly(province, staff, twins):
    first, second = twins
    society = province["society"]
    body = LeadershipBody.objects.create(organisation=province["city_a"], org_path=province["city_a"].path,
                                         kind=BodyKind.COUNCIL)
    term = Term.objects.create(body=body, number=3, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2029, 1, 1))
    m = Membership.objects.create(person=second, society=society, org_path=society.path, status="current",
                                  number="ID-T-1")
    MembershipEvent.objects.create(membership=m, kind="approved", on=dt.date(2024, 3, 1))
    post = Post.objects.create(term=term, person=second, position="council_member")
    d1, d2 = Discipline.objects.filter(parent__isnull=True).order_by("code")[:2]
    PersonDiscipline.objects.create(person=first, discipline=d1, is_primary=True)
    pd_moved = PersonDiscipline.objects.create(person=second, discipline=d2, is_primary=True)
    pd_kept = PersonDiscipline.objects.create(person=second, discipline=d1, is_primary=False)
    rows = [first, second, m, post, pd_moved, pd_kept]
    before = _state(*rows)
    from kexie.orgs.models import Organisation

    count_before = Organisation.objects.get(pk=province["city_a"].pk).people_count

    record = services.merge(staff, first, second)
    m.refresh_from_db()
    post.refresh_from_db()
    pd_moved.refresh_from_db()
    assert m.person_id == first.pk and m.events.count() == 1  # history travels with the membership
    assert post.person_id == first.pk
    assert pd_moved.person_id == first.pk and not pd_moved.is_primary  # the survivor keeps its main discipline
    assert PersonDiscipline.objects.get(pk=pd_kept.pk).person_id == second.pk  # twin row stays put
    assert {"email", "bio"} <= record.filled.keys() and "title" not in record.filled
    assert Organisation.objects.get(pk=province["city_a"].pk).people_count == count_before - 1
    assert Person.objects.alive().filter(pk=second.pk).count() == 0

    services.undo(staff, record)
    assert _state(*rows) == before
    assert Organisation.objects.get(pk=province["city_a"].pk).people_count == count_before
    record.refresh_from_db()
    assert record.undone_at is not None
    with pytest.raises(ValidationError):
        services.undo(staff, record)
    actions = set(AuditEntry.objects.filter(object_id__in=[first.pk, second.pk]).values_list("action", flat=True))
    assert {"identity.person.merged", "identity.person.merged_into", "identity.merge.undone"} <= actions


def test_live_membership_twin_stays_on_the_merged_record(province, staff, twins):
    first, second = twins
    society = province["society"]
    Membership.objects.create(person=first, society=society, org_path=society.path, status="current")
    twin = Membership.objects.create(person=second, society=society, org_path=society.path, status="current")
    record = services.merge(staff, first, second)
    assert record.kept["memberships"] == [twin.pk]
    assert Membership.objects.get(pk=twin.pk).person_id == second.pk


def test_different_id_numbers_never_merge(province, staff):
    a = province["city_a"]
    x = _person(staff, a, name="司马青", id_number=_id("19900101", "111"))
    y = _person(staff, a, name="司马青", id_number=_id("19900101", "131"))
    with pytest.raises(ValidationError, match="身份证号码不同"):
        services.merge(staff, x, y)


def test_grey_zone_goes_to_the_queue_and_distinct_stops_it_coming_back(province, staff, client_a):
    a = province["city_a"]
    x = _person(staff, a, name="诸葛秀英", gender="F", birth_date=dt.date(1975, 6, 1), employer_name="澜州林业站")
    y = _person(staff, a, name="诸葛秀瑛", gender="F", birth_date=dt.date(1975, 6, 1),
                employer_name="云岫农业科学研究所")
    report = services.run_dedup(SYSTEM, auto_threshold=0.999999, review_threshold=0.01)
    assert report["queued"] >= 1
    candidate = MatchCandidate.objects.get(person_a=x, person_b=y)
    assert candidate.status == CandidateStatus.QUEUED and 0.01 <= candidate.score < 0.999999
    assert candidate.evidence["name"]["label"] == "同音"

    html = client_a.get("/identity/").content.decode()
    assert f"/identity/{candidate.pk}/" in html
    page = client_a.get(f"/identity/{candidate.pk}/").content.decode()
    assert "诸葛秀英" in page and "诸葛秀瑛" in page and "同音" in page and "不是同一人" in page

    resp = client_a.post(f"/identity/{candidate.pk}/distinct/")
    assert resp.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISTINCT
    services.run_dedup(SYSTEM, auto_threshold=0.999999, review_threshold=0.01)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISTINCT
    assert MatchCandidate.objects.filter(person_a=x, person_b=y).count() == 1
    assert f"/identity/{candidate.pk}/" not in client_a.get("/identity/").content.decode()
    with pytest.raises(ValidationError):
        services.mark_distinct(staff, candidate)


def test_console_merge_and_undo(province, staff, client_a, twins):
    first, second = twins
    candidate = MatchCandidate.objects.create(person_a=first, person_b=second, score=0.8,
                                              evidence={"name": {"level": 3, "label": "相同", "weight": 9.1}})
    page = client_a.get(f"/identity/{candidate.pk}/").content.decode()
    assert first.id_number not in page and "一致" in page  # masked ID; blind-index verdict only
    resp = client_a.post(f"/identity/{candidate.pk}/merge/", {"survivor": second.pk})
    assert resp.status_code == 302
    record = Merge.objects.get(candidate=candidate)
    assert record.survivor_id == second.pk and record.merged_id == first.pk
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED and candidate.decided_by == staff
    assert "撤销合并" in client_a.get("/identity/merges/").content.decode()
    # The merged record's page says where it went, links to the merge, and offers no plain restore.
    page = client_a.get(f"/people/{first.pk}/").content.decode()
    assert "已合并至" in page and f'href="/people/{second.pk}/"' in page
    assert f"/identity/merges/?person={first.pk}" in page and f"/people/{first.pk}/restore/" not in page
    assert "撤销合并" in client_a.get(f"/identity/merges/?person={first.pk}").content.decode()
    assert "撤销合并" not in client_a.get("/identity/merges/?person=999999999").content.decode()
    client_a.post(f"/people/{first.pk}/restore/")
    first.refresh_from_db()
    assert first.deleted_at is not None  # restoring a merged record would split the memberships: refused
    assert client_a.post(f"/identity/merges/{record.pk}/undo/").status_code == 302
    first.refresh_from_db()
    assert first.deleted_at is None and first.merged_into_id is None
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.QUEUED  # back to the queue for a decision


def test_queue_export(client_a, twins):
    first, second = twins
    MatchCandidate.objects.create(person_a=first, person_b=second, score=0.7,
                                  evidence={"name": {"level": 3, "label": "相同", "weight": 9.1}})
    resp = client_a.get("/identity/export/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content))
    rows = list(wb.active.iter_rows(values_only=True))
    ours = [r for r in rows[1:] if r[2] == "欧阳振华"]  # the seed queues pairs of its own too
    assert rows[0][0] == "匹配概率" and len(ours) == 1
    assert "相同" in ours[0]


def test_scope_city_a_cannot_see_or_merge_city_b_pairs(province, staff, client_a):
    b = province["city_b"]
    staff_b = province["users"]["demo-city-b"]
    x = _person(staff_b, b, name="上官明远", phone="13711112222", birth_date=dt.date(1966, 1, 2))
    y = _person(staff_b, b, name="上官明遠", phone="13711112222", birth_date=dt.date(1966, 1, 2))
    candidate = MatchCandidate.objects.create(person_a=x, person_b=y, score=0.9, evidence={})
    assert client_a.get(f"/identity/{candidate.pk}/").status_code == 404
    assert client_a.post(f"/identity/{candidate.pk}/merge/").status_code == 404
    assert client_a.post(f"/identity/{candidate.pk}/distinct/").status_code == 404
    assert "上官明远" not in client_a.get("/identity/").content.decode()
    resp = client_a.get("/identity/export/")
    content = b"".join(resp.streaming_content) if resp.streaming else resp.content
    assert "上官明远" not in str(list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)))
    with pytest.raises(PermissionDenied):
        services.merge(staff, x, y)
    record = services.merge(staff_b, x, y)
    assert client_a.post(f"/identity/merges/{record.pk}/undo/").status_code == 404
    assert "上官明远" not in client_a.get("/identity/merges/").content.decode()
    with pytest.raises(PermissionDenied):
        services.undo(staff, record)
    # A city-A job never touches city B.
    z = _person(staff_b, b, name="上官明远", phone="13711112222", birth_date=dt.date(1966, 1, 2))
    services.run_dedup(staff)
    assert Person.objects.get(pk=z.pk).deleted_at is None
    assert login("demo-city-b").get(f"/identity/{candidate.pk}/").status_code == 200


def test_cli_reports_json(twins, capsys):
    first, second = twins
    out = io.StringIO()
    call_command("people", "dedup", "--format", "json", "--auto-merge-threshold", "0.99", "--grace", "0",
                 stdout=out)
    report = json.loads(out.getvalue())
    assert {"pairs_found", "merged", "queued", "records", "job"} <= report.keys()
    assert report["merged"] >= 1
    assert Person.objects.get(pk=second.pk).merged_into_id == first.pk


def test_cli_rejects_bad_thresholds(province):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="阈值"):
        call_command("people", "dedup", "--auto-merge-threshold", "1.5")
    with pytest.raises(CommandError, match="审核阈值"):
        call_command("people", "dedup", "--auto-merge-threshold", "0.6", "--review-threshold", "0.9")


def test_account_link_moves_to_the_survivor_and_back(province, staff, twins):
    from kexie.accounts.models import User

    first, second = twins
    account = User.objects.create_user(username="twin-account", password="x-Very-long-pass-123")
    Person.objects.filter(pk=second.pk).update(user=account)
    record = services.merge(staff, first, second)
    assert Person.objects.get(pk=first.pk).user_id == account.pk
    assert Person.objects.get(pk=second.pk).user_id is None
    services.undo(staff, record)
    assert Person.objects.get(pk=first.pk).user_id is None
    assert Person.objects.get(pk=second.pk).user_id == account.pk
