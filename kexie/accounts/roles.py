"""Default roles (least privilege): data, editable in the admin.

The first three (admin/staff/viewer) are the generic roles; the others are the real departments of a 科协 and
the staff of a society secretariat and of county and township associations (decision 0022 gives the mapping and
how it will map to per-module actions)."""

GENERIC_ROLES = [
    ("admin", "管理员", ["view", "change", "export", "view_pii", "manage"], "本组织及下级组织的全部权限"),
    ("staff", "工作人员", ["view", "change", "export"], "查看、编辑、导出；个人信息脱敏显示"),
    ("viewer", "只读", ["view"], "仅查看"),
]

DEPARTMENT_ROLES = [
    ("dept_personnel", "组织人事部", ["view", "change", "export", "view_pii"],
     "组织、人员、会员与换届：查看、编辑、导出，可查看完整个人信息；不管理账号"),
    ("dept_societies", "学会学术部", ["view", "change", "export"], "学会、学术活动、年报与评价：查看、编辑、导出"),
    ("dept_popsci", "科普部", ["view", "change"], "科普阵地、志愿者与活动：查看、编辑"),
    ("dept_research", "调研宣传部（智库）", ["view"], "调研与宣传：仅查看"),
    ("dept_international", "国际联络部（海智）", ["view", "change"], "海智专家、工作站与对外联络：查看、编辑"),
    ("dept_office", "办公室", ["view"], "综合事务：仅查看"),
    ("society_secretariat", "学会秘书处", ["view", "change", "export"], "本学会及其分支机构、会员：查看、编辑、导出"),
    ("county_staff", "县级科协工作人员", ["view", "change", "export"], "本县科协及下级组织：查看、编辑、导出"),
    ("township_staff", "乡镇科协工作人员", ["view", "change", "export"], "本乡镇科协及下级组织：查看、编辑、导出"),
]

# Every role a new database starts with (migrations 0002 and 0004 load them).
DEFAULT_ROLES = GENERIC_ROLES + DEPARTMENT_ROLES


def load_roles(Role) -> None:  # noqa: N803 - historical model passed by migrations
    for code, name, actions, description in DEFAULT_ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions, "description": description})


def load_department_roles(Role) -> None:  # noqa: N803 - historical model passed by migrations
    """Adds the department roles; a role already there (perhaps edited in the admin) is left as it is."""
    for code, name, actions, description in DEPARTMENT_ROLES:
        Role.objects.get_or_create(code=code, defaults={"name": name, "actions": actions, "description": description})


def unload_department_roles(Role) -> None:  # noqa: N803 - historical model passed by migrations
    """Undoes ``load_department_roles`` for the roles nobody holds."""
    Role.objects.filter(code__in=[c for c, *_ in DEPARTMENT_ROLES], roleassignment__isnull=True).delete()
