"""Default roles (least privilege): data, editable in the admin.

The first three (admin/staff/viewer) are the generic roles; the others are the real departments of a 科协 and
the staff of a society secretariat and of county and township associations (decision 0022 gives the mapping and
how it will map to per-module actions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kexie.accounts.models import Role as RoleModel

GENERIC_ROLES = [
    ("admin", "管理员", ["view", "change", "export", "view_pii", "manage"], "本组织及下级组织的全部权限"),
    ("staff", "工作人员", ["view", "change", "export"], "查看、编辑、导出；个人信息脱敏显示"),
    ("viewer", "只读", ["view"], "仅查看"),
]

# Module actions (decision 0025): each department reaches the modules of its work and nothing else; none manages
# accounts. County and township staff do all of their association's work, so they keep the bundles.
DEPARTMENT_ROLES = [
    ("dept_personnel", "组织人事部",
     ["orgs.*", "people.*", "members.*", "governance.*", "identity.*", "imports.*", "census.*"],
     "组织、人员、会员、换届、查重与导入：查看、编辑、导出，可查看完整个人信息；不管理账号"),
    ("dept_societies", "学会学术部",
     ["orgs.*", "people.view", "members.*", "reports.*", "evaluation.*", "calls.*", "governance.view", "census.view"],
     "学会、会员、年报填报、综合评价与申报评审：查看、编辑、导出"),
    ("dept_popsci", "科普部", ["orgs.view", "people.view", "census.view", "kepu.*"], "科普阵地、志愿者与活动：查看、编辑"),
    ("dept_research", "调研宣传部（智库）",
     ["orgs.view", "census.*", "reports.view", "reports.export", "evaluation.view", "evaluation.export",
      "governance.view"],
     "调研与宣传：底数、填报与评价结果的查看与导出"),
    ("dept_international", "国际联络部（海智）", ["orgs.view", "people.view", "innovation.*", "calls.view"],
     "海智专家、工作站与对外联络：数字科创的查看、办理与导出"),
    ("dept_office", "办公室", ["*.view"], "综合事务：各模块仅查看"),
    ("society_secretariat", "学会秘书处",
     ["orgs.view", "orgs.change", "people.view", "people.change", "members.*", "imports.*", "reports.view",
      "reports.change", "calls.view", "calls.change", "innovation.view", "innovation.change", "evaluation.view",
      "governance.view", "census.view"],
     "本学会及其分支机构、会员、年报、推荐与服务派单：查看、编辑"),
    ("county_staff", "县级科协工作人员", ["view", "change", "export"], "本县科协及下级组织：查看、编辑、导出"),
    ("township_staff", "乡镇科协工作人员", ["view", "change", "export"], "本乡镇科协及下级组织：查看、编辑、导出"),
]

# What the department roles held before module actions (migration 0005 replaces a role still holding exactly this).
FIRST_DEPARTMENT_ACTIONS = {
    "dept_personnel": ["view", "change", "export", "view_pii"], "dept_societies": ["view", "change", "export"],
    "dept_popsci": ["view", "change"], "dept_research": ["view"], "dept_international": ["view", "change"],
    "dept_office": ["view"], "society_secretariat": ["view", "change", "export"],
}

# Every role a new database starts with (migrations 0002 and 0004 load them).
DEFAULT_ROLES = GENERIC_ROLES + DEPARTMENT_ROLES


# ``Role`` below is the historical model a migration passes (apps.get_model): Role as of that migration.
def load_roles(Role: type[RoleModel]) -> None:  # noqa: N803 - historical model passed by migrations
    for code, name, actions, description in DEFAULT_ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions, "description": description})


def load_department_roles(Role: type[RoleModel]) -> None:  # noqa: N803 - historical model passed by migrations
    """Adds the department roles; a role already there (perhaps edited in the admin) is left as it is."""
    for code, name, actions, description in DEPARTMENT_ROLES:
        Role.objects.get_or_create(code=code, defaults={"name": name, "actions": actions, "description": description})


def module_department_roles(Role: type[RoleModel], *, back: bool = False) -> None:  # noqa: N803
    """Gives the department roles their module actions (``back``: their first bundles again); a role edited since
    (in the admin) is left as it is."""
    current = {code: (actions, description) for code, _name, actions, description in DEPARTMENT_ROLES}
    for code, first in FIRST_DEPARTMENT_ACTIONS.items():
        old, new = (current[code][0], first) if back else (first, current[code][0])
        Role.objects.filter(code=code, actions=old).update(actions=new)


def unload_department_roles(Role: type[RoleModel]) -> None:  # noqa: N803 - historical model passed by migrations
    """Undoes ``load_department_roles`` for the roles nobody holds."""
    Role.objects.filter(code__in=[c for c, *_ in DEPARTMENT_ROLES], roleassignment__isnull=True).delete()
