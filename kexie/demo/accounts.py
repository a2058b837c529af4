"""The fixed demo accounts (password ``kexie-demo``) and how they are printed."""

from __future__ import annotations

from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.core.services import SYSTEM
from kexie.orgs.models import Organisation
from kexie.people.models import Person

PASSWORD = "kexie-demo"

ACCOUNTS = [
    ("demo-province", "省科协工作人员", "全省：组织、人员、会员，含完整个人信息查看"),
    ("demo-city-a", "A市科协工作人员", "仅A市及其下级组织"),
    ("demo-city-b", "B市科协工作人员", "仅B市及其下级组织"),
    ("demo-society", "学会秘书处", "一个省级学会及其分支机构、会员"),
    ("demo-scientist", "科技工作者", "我的资料、会籍、个人信息导出"),
    ("demo-enterprise", "企业科协", "一个企业科协"),
    ("demo-volunteer", "科技志愿者", "我的资料"),
    ("demo-company", "企业用户", "江淮精工齿轮有限公司：发布技术需求、评价服务"),
]


def _user(username: str, display: str) -> User:
    user = User(username=username, display_name=display)
    user.set_password(PASSWORD)
    user.save()
    return user


def create_accounts(gen) -> None:
    users = {name: _user(name, display) for name, display, _ in ACCOUNTS}
    grant_role(SYSTEM, users["demo-province"], gen.root, "admin")
    grant_role(SYSTEM, users["demo-city-a"], gen.cities[0], "admin")
    grant_role(SYSTEM, users["demo-city-b"], gen.cities[1], "admin")
    society = gen.societies[0][0]
    grant_role(SYSTEM, users["demo-society"], society, "staff")
    enterprise = Organisation.objects.filter(kind__code="enterprise_kx", path__startswith=gen.cities[0].path).first()
    grant_role(SYSTEM, users["demo-enterprise"], enterprise, "staff")
    member = Person.objects.filter(memberships__society=society, user__isnull=True).order_by("id").first()
    Person.objects.filter(pk=member.pk).update(user=users["demo-scientist"])
    other = Person.objects.filter(org_path__startswith=gen.cities[0].path, user__isnull=True).order_by("id").first()
    Person.objects.filter(pk=other.pk).update(user=users["demo-volunteer"])


def print_accounts() -> None:
    print("\n演示账号（密码均为 kexie-demo）/ demo accounts (password kexie-demo):")
    for name, display, scope in ACCOUNTS:
        user = User.objects.filter(username=name).first()
        if user is None:
            continue
        where = "、".join(a.organisation.name for a in user.assignments.select_related("organisation")) or "—"
        print(f"  {name:<16} {display:<10} {where}  （{scope}）")
    print()
