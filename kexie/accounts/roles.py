"""Default roles (least privilege): data, editable in the admin."""

DEFAULT_ROLES = [
    ("admin", "管理员", ["view", "change", "export", "view_pii", "manage"], "本组织及下级组织的全部权限"),
    ("staff", "工作人员", ["view", "change", "export"], "查看、编辑、导出；个人信息脱敏显示"),
    ("viewer", "只读", ["view"], "仅查看"),
]


def load_roles(Role) -> None:  # noqa: N803 - historical model passed by migrations
    for code, name, actions, description in DEFAULT_ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions, "description": description})
