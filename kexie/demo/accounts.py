"""The fixed demo accounts (password ``kexie-demo``) and how they are printed."""

from __future__ import annotations

from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.core.services import SYSTEM
from kexie.orgs.models import Organisation
from kexie.people.models import Person

PASSWORD = "kexie-demo"

# username, display name, what the account reaches, what it can do first (printed by ``print_accounts``; the
# README's account table says the same).
ACCOUNTS = [
    ("demo-province", "省科协工作人员", "全省：组织、人员、会员，含完整个人信息查看",
     "在「综合评价」查看学会和县级科协的评价结果；在「查重合并」审核疑似重复人员"),
    ("demo-city-a", "A市科协工作人员", "仅A市及其下级组织",
     "在「查重合并」审核本市的疑似重复人员；在「综合评价」查看本市县级科协的得分"),
    ("demo-city-b", "B市科协工作人员", "仅B市及其下级组织", "在「综合评价」查看本市县级科协的得分和等次"),
    ("demo-society", "学会秘书处", "一个省级学会及其分支机构、会员",
     "在「数据填报」填写本年度学会年报；在「会员」审批入会申请"),
    ("demo-scientist", "科技工作者", "我的资料、会籍、个人信息导出",
     "在「申报评审」申报本年度全省优秀科技论文遴选"),
    ("demo-expert", "评审专家", "省科协评审专家库中的一位专家",
     "在「申报评审」→「我的评审任务」为科技创新智库课题打分"),
    ("demo-enterprise", "企业科协工作人员", "一个企业科协及其人员", "维护本企业科协的组织信息和科技工作者名单"),
    ("demo-volunteer", "科技志愿者", "我的资料", "完善我的资料，查看会籍"),
    ("demo-company", "企业用户", "江淮精工齿轮有限公司：发布技术需求的账号",
     "在「数字科创」查看技术需求的对接进展，为已完成的服务评价"),
]


def _user(username: str, display: str) -> User:
    user = User(username=username, display_name=display)
    user.set_password(PASSWORD)
    user.save()
    return user


def create_accounts(gen) -> None:
    users = {name: _user(name, display) for name, display, *_rest in ACCOUNTS}
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
    """Each account with its role, where it reaches and, on a second line, what it can do first."""
    print("\n演示账号（密码均为 kexie-demo）/ demo accounts (password kexie-demo):")
    for name, display, scope, first in ACCOUNTS:
        user = User.objects.filter(username=name).first()
        if user is None:
            continue
        where = "、".join(a.organisation.name for a in user.assignments.select_related("organisation")) or scope
        print(f"  {name:<16} {display}：{where}")
        print(f"  {'':<16} 先做：{first}")
    print()
