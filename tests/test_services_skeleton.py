"""The service skeleton: one ``require`` for every service (no actor skips nothing), the system actor of tasks and
the seed, the shared base of the workflow history tables, and the audit-code registry shown in history."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kexie.accounts.models import RoleAssignment
from kexie.accounts.services import grant_role
from kexie.calls.models import ApplicationEvent, ProjectEvent
from kexie.core.audit import audit_codes, describe
from kexie.core.models import AuditEntry, WorkflowEvent
from kexie.core.services import SYSTEM, require
from kexie.innovation.challenges import services as challenges
from kexie.innovation.market import services as market
from kexie.innovation.models import Achievement, Challenge, Need, NeedEvent
from kexie.innovation.needs import services as innovation_services
from kexie.members.models import MembershipEvent
from kexie.orgs import services as org_services
from kexie.reports.models import SubmissionEvent
from tests.conftest import login
from tests.test_innovation_market import achievement, need

KEXIE = Path(__file__).resolve().parent.parent / "kexie"


# ---- require and the system actor -------------------------------------------------------------------------------
def test_require_refuses_no_actor_and_anonymous_and_lets_the_system_through(province):
    from django.contrib.auth.models import AnonymousUser

    for nobody in (None, AnonymousUser()):
        with pytest.raises(PermissionDenied) as exc:
            require(nobody, "orgs.change", province["city_a"].path)
        assert exc.value.args[0] == "您无权在该组织范围内执行此操作。"
    require(SYSTEM, "accounts.manage", province["root"].path)  # every action, everywhere
    require(province["users"]["demo-city-a"], "orgs.change", province["city_a"].path)
    with pytest.raises(PermissionDenied):
        require(province["users"]["demo-city-a"], "orgs.change", province["city_b"].path)


def test_a_service_called_without_an_actor_is_refused_and_changes_nothing(province):
    a = province["city_a"]
    draft = achievement(a, "无人发布的成果", status="draft")
    with pytest.raises(PermissionDenied):
        market.publish_achievement(None, draft)
    assert Achievement.objects.get(pk=draft.pk).status == "draft"

    submitted = need(a, "无人审核的需求", status="submitted")
    with pytest.raises(PermissionDenied):
        innovation_services.review_need(None, submitted, "approve")
    assert Need.objects.get(pk=submitted.pk).status == "submitted"

    ch = challenges.create_challenge(SYSTEM, owner=a, title="无人发布的榜单", description="任务", bounty="10",
                                     apply_by=(timezone.localdate() + timezone.timedelta(days=20)).isoformat())
    with pytest.raises(PermissionDenied):
        challenges.publish(None, ch)
    assert Challenge.objects.get(pk=ch.pk).status == "draft"

    user = province["users"]["demo-society"]
    before = RoleAssignment.objects.filter(user=user).count()
    with pytest.raises(PermissionDenied):
        grant_role(None, user, province["root"], "admin")
    assert RoleAssignment.objects.filter(user=user).count() == before


def test_the_system_actor_writes_audited_as_system_and_shown_so_in_history(province):
    org = province["city_a"]
    org_services.update_organisation(SYSTEM, org, {"short_name": "澜州科协（系统）"})
    entry = AuditEntry.objects.filter(action="orgs.organisation.changed", object_id=org.pk).first()
    assert entry is not None and entry.actor is None
    html = login("demo-city-a").get(f"/orgs/{org.pk}/").content.decode()
    assert "<td>系统</td>" in html
    assert "修改组织信息" in html


def test_no_service_skips_the_check_for_a_missing_actor():
    """No ``if actor is None`` / ``actor is not None`` in the write paths: the system acts as ``SYSTEM``."""
    found = []
    for path in sorted(KEXIE.rglob("*.py")):
        if "migrations" in path.parts or "management" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "actor"
                    and isinstance(node.ops[0], ast.Is | ast.IsNot)
                    and isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value is None):
                found.append(f"{path.relative_to(KEXIE)}:{node.lineno}")
            if isinstance(node, ast.FunctionDef) and node.name in ("_require", "_check") and node.args.args:
                found.append(f"{path.relative_to(KEXIE)}:{node.lineno} {node.name}")
    assert found == []


# ---- the workflow history tables -------------------------------------------------------------------------------
def test_history_tables_share_one_base_with_unchanged_columns(db):
    for model in (ApplicationEvent, ProjectEvent, SubmissionEvent, NeedEvent):
        assert issubclass(model, WorkflowEvent)
        assert {f.column for f in model._meta.concrete_fields} >= {"actor_id", "at", "org_path"}
    assert not issubclass(MembershipEvent, WorkflowEvent)  # its own fields: a date, created_at, no path
    out = io.StringIO()
    call_command("makemigrations", "calls", "reports", "innovation", "core", check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()


# ---- the audit-code registry -----------------------------------------------------------------------------------
# codes built at run time (f-strings): the call site and every code it can write
DYNAMIC = {
    "calls/applications/services.py": ["calls.application.formal_passed", "calls.application.formal_failed",
                                       "calls.application.returned"],
    "imports/apply.py": ["people.person.imported", "orgs.organisation.imported", "members.membership.imported",
                         "members.groupmembership.imported"],
    "innovation/challenges/services.py": [f"innovation.challenge.{v}" for v in
                                 ("published", "closed", "cancelled", "awarded", "completed")],
    "members/services.py": [f"members.membership.{v}" for v in
                            ("applied", "approved", "rejected", "category_changed", "dues_paid", "withdrawn",
                             "expelled", "added")],
    "reports/services.py": ["reports.submission.accepted", "reports.submission.returned"],
    # the shared review steps (kexie/reviewing): each workflow's audit_prefix and the six verbs
    "reviewing/steps.py": [f"{prefix}.{v}" for prefix in ("members.application", "members.groupapplication",
                                                         "orgs.formation")
                           for v in ("submitted", "resubmitted", "withdrawn", "approved", "returned", "rejected")],
}


def _codes_in_source() -> tuple[dict[str, str], set[str]]:
    """Literal codes of every ``log_action(actor, "…")`` / ``AuditEntry(action="…")`` in kexie (→ where), and the
    files that build a code at run time."""
    literal: dict[str, str] = {}
    dynamic: set[str] = set()
    for path in sorted(KEXIE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        rel = str(path.relative_to(KEXIE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "log_action" and len(node.args) >= 2:
                code = node.args[1]
            elif name == "AuditEntry":
                code = next((k.value for k in node.keywords if k.arg == "action"), None)
            else:
                continue
            options = [code.body, code.orelse] if isinstance(code, ast.IfExp) else [code]
            for option in options:
                if isinstance(option, ast.Constant) and isinstance(option.value, str):
                    literal[option.value] = f"{rel}:{node.lineno}"
                elif option is not None:
                    dynamic.add(rel)
    return literal, dynamic


def test_every_audit_code_in_the_source_has_a_chinese_description():
    literal, dynamic = _codes_in_source()
    assert len(literal) > 100
    described = audit_codes()
    missing = sorted(f"{code} ({where})" for code, where in literal.items() if code not in described)
    assert missing == [], "declare these in the app's audit.py AUDIT_CODES"
    assert dynamic <= set(DYNAMIC), "a code built at run time: list the codes it writes in DYNAMIC"
    missing = sorted(c for codes in DYNAMIC.values() for c in codes if c not in described)
    assert missing == []
    for code, text in described.items():
        assert code.count(".") == 2, code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(text)), code


def test_describe_falls_back_to_the_code_when_none_is_declared():
    assert describe("innovation.need.submitted") == "提交技术需求审核"
    assert describe("unknown.thing.happened") == "unknown.thing.happened"


def test_history_shows_the_description_not_the_raw_code(province, client: Client):
    org = province["city_a"]
    staff = province["users"]["demo-city-a"]
    org_services.update_organisation(staff, org, {"short_name": "澜州科协"})
    html = login("demo-city-a").get(f"/orgs/{org.pk}/").content.decode()
    assert "修改组织信息" in html
    assert ">orgs.organisation.changed<" not in html
    assert staff.username in html or str(staff) in html
