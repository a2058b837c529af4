"""Role grants and the precomputed scope cache; staff accounts (create, deactivate, reactivate); unlocking
accounts; API tokens.

The platform itself (the demo seed, the server console) acts as ``kexie.core.services.SYSTEM``: ``require`` lets
it through and the audit log records it as 系统; ``None`` is refused like any user without the scope."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kexie.accounts import lockout
from kexie.accounts.models import ApiToken, Role, RoleAssignment, User, token_digest
from kexie.core.audit import log_action
from kexie.core.permissions import all_actions, expand, fingerprint
from kexie.core.scope import (
    ACTIONS_VERSION,
    EVERY_ROOT,
    minimal_prefixes,
    path_in_scope,
    prefix_q,
    scope_paths,
)
from kexie.core.services import is_system, require

if TYPE_CHECKING:
    from kexie.orgs.models import Organisation


# ---- the scope cache -----------------------------------------------------------------------------------
def compute_scope(user: User) -> dict[str, list[str]]:
    """A deactivated account reaches nothing, whatever roles it keeps (they count again on reactivation)."""
    if not user.is_active:
        return {}
    by_action: dict[str, list[str]] = defaultdict(list)
    rows = RoleAssignment.objects.filter(
        user=user, organisation__deleted_at__isnull=True
    ).values_list("organisation__path", "role__actions")
    for path, actions in rows:
        for action in expand(actions):  # the module actions the role allows (decision 0025)
            by_action[action].append(path)
    scope: dict[str, list[str]] = {a: minimal_prefixes(p) for a, p in by_action.items() if p}
    every_root = _actions_over_every_root(scope)
    if every_root:
        scope[EVERY_ROOT] = every_root
    if scope:
        scope[ACTIONS_VERSION] = fingerprint()  # type: ignore[assignment]  # a string beside the path lists
    return scope


def _actions_over_every_root(scope: dict[str, list[str]]) -> list[str]:
    """The actions whose prefixes hold every root of the tree (deleted roots too): ``scope_paths`` answers
    "unrestricted" for them without a query. Rebuilt for the holders of root roles when a root is added or
    removed (accounts/signals.py) and for everyone after a move."""
    from kexie.orgs.models import Organisation

    if not any(len(p) == Organisation.steplen for paths in scope.values() for p in paths):
        return []  # no role at a root: no query
    roots: set[str] = set(Organisation.objects.filter(depth=1).values_list("path", flat=True))
    return [a for a, paths in scope.items() if roots and roots <= set(paths)]


def rebuild_scope(user: User) -> None:
    user.scope_cache = compute_scope(user)
    User.objects.filter(pk=user.pk).update(scope_cache=user.scope_cache)


def rebuild_scopes(user_ids: Iterable[int]) -> int:
    n = 0
    for user in User.objects.filter(pk__in=set(user_ids)).only("pk", "is_active", "scope_cache").iterator():
        rebuild_scope(user)
        n += 1
    return n


def rebuild_all_scopes() -> int:
    """After the tree changes shape (a move renames paths) every cached prefix may be stale."""
    ids = RoleAssignment.objects.values_list("user_id", flat=True).distinct()
    return rebuild_scopes(list(ids))


def rebuild_scopes_under(path: str) -> int:
    """Everyone holding a role at ``path`` or below (an organisation deleted or restored)."""
    ids = RoleAssignment.objects.filter(prefix_q("organisation__path", [path])).values_list("user_id", flat=True)
    return rebuild_scopes(list(ids.distinct()))


def rebuild_stale_scopes() -> int:
    """Rebuild every cache built for another set of module actions (after a module is installed or removed:
    ``migrate`` runs this through post_migrate, so a new module's actions reach the roles that bundle them)."""
    current = fingerprint()
    ids = [pk for pk, cache in User.objects.filter(is_active=True).values_list("pk", "scope_cache").iterator()
           if cache and cache.get(ACTIONS_VERSION) != current]
    return rebuild_scopes(ids)


def rebuild_root_holders() -> int:
    """Everyone holding a role at a root of the tree (a root was added or removed: "every root" changed)."""
    ids = RoleAssignment.objects.filter(organisation__depth=1).values_list("user_id", flat=True)
    return rebuild_scopes(list(ids.distinct()))


def rebuild_role_holders(role: Role) -> int:
    """Everyone holding ``role`` (its actions changed)."""
    return rebuild_scopes(list(RoleAssignment.objects.filter(role=role).values_list("user_id", flat=True)))


# ---- role grants -----------------------------------------------------------------------------------------
def assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {gettext_noop("用户"): assignment.user.username, gettext_noop("组织"): str(assignment.organisation),
            gettext_noop("角色"): assignment.role.code}


def _require_grant(actor: Any, path: str, role: Role) -> None:
    """Granting or taking away a role needs ``manage`` there, and every action of the role (nobody hands out
    more than they hold)."""
    require(actor, "accounts.manage", path)
    for action in sorted(role.granted()):
        require(actor, action, path)


def _refresh_actor(actor: Any, user: User) -> None:
    if isinstance(actor, User) and actor.pk == user.pk:
        actor.scope_cache = user.scope_cache


@transaction.atomic
def grant_role(actor: Any, user: User, organisation: Organisation, role_code: str) -> RoleAssignment:
    from kexie.orgs.models import Organisation

    role = Role.objects.filter(code=role_code).first()
    if role is None:
        raise ValidationError(_("角色“%(code)s”不存在。") % {"code": role_code})
    org: Organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_grant(actor, org.path, role)
    if org.deleted_at:
        raise ValidationError(_("该组织已删除，不能在其中授予角色。"))
    target = User.objects.select_for_update().get(pk=user.pk)
    assignment, created = RoleAssignment.objects.get_or_create(user=target, organisation=org, role=role)
    rebuild_scope(target)
    user.scope_cache = target.scope_cache
    _refresh_actor(actor, target)
    if created:
        log_action(actor, "accounts.role.granted", assignment, scope_path=org.path,
                   after=assignment_snapshot(assignment))
    return assignment


@transaction.atomic
def revoke_role(actor: Any, assignment: RoleAssignment) -> None:
    current = (RoleAssignment.objects.select_for_update().select_related("user", "organisation", "role")
               .filter(pk=assignment.pk).first())
    if current is None:
        raise ValidationError(_("该角色授予不存在或已撤销。"))
    _require_grant(actor, current.organisation.path, current.role)
    log_action(actor, "accounts.role.revoked", current, scope_path=current.organisation.path,
               before=assignment_snapshot(current))
    user = current.user
    current.delete()
    rebuild_scope(user)
    _refresh_actor(actor, user)


def users_at(org_ids: Iterable[int], action: str) -> dict[int, list[Any]]:
    """Active users holding a role with ``action`` directly at each organisation."""
    out: dict[int, list[Any]] = {}
    rows = (RoleAssignment.objects.filter(organisation_id__in=list(org_ids), user__is_active=True)
            .select_related("user", "role"))
    for ra in rows:
        if action in ra.role.granted():
            out.setdefault(ra.organisation_id, []).append(ra.user)
    return out


# ---- staff accounts -------------------------------------------------------------------------------------
def managed_users(actor: Any) -> QuerySet[User]:
    """The accounts holding a role on an organisation where ``actor`` holds ``manage`` (the users page)."""
    ids = RoleAssignment.objects.for_user(actor, "accounts.manage").values("user_id")
    return User.objects.filter(pk__in=ids)


def grantable_roles(actor: Any) -> list[Role]:
    """The roles whose every action ``actor`` holds somewhere (the role picker; the grant itself checks the
    organisation)."""
    if scope_paths(actor, "accounts.manage") == []:
        return []
    held = {a for a in all_actions() if scope_paths(actor, a) != []}
    return [r for r in Role.objects.order_by("id") if r.granted() <= held]


def grant_paths(account: User) -> list[str]:
    return sorted(set(RoleAssignment.objects.filter(user=account).values_list("organisation__path", flat=True)))


def can_manage_account(actor: Any, account: User) -> bool:
    """``actor`` holds ``manage`` over every organisation where ``account`` holds a role (an account with no
    role belongs to nobody's subtree); a superuser's account only by a superuser (or ``SYSTEM``)."""
    if account.is_superuser:
        return bool(getattr(actor, "is_superuser", False))
    manage = scope_paths(actor, "accounts.manage")
    if manage == []:
        return False
    paths = grant_paths(account)
    return bool(paths) and all(path_in_scope(p, manage) for p in paths)


def initial_password(account: User) -> str:
    """A random password that passes the password policy; its owner must change it at first login."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0OoIl1")
    symbols = "-_.@#%+="
    for _attempt in range(20):
        chars = [secrets.choice(string.ascii_uppercase.replace("O", "").replace("I", "")),
                 secrets.choice(string.ascii_lowercase.replace("o", "").replace("l", "")),
                 secrets.choice("23456789"), secrets.choice(symbols)]
        chars += [secrets.choice(alphabet) for _ in range(10)]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            password_validation.validate_password(password, account)
        except ValidationError:
            continue
        return password
    raise RuntimeError("no random password passed the password policy")  # pragma: no cover


def _clean_account_fields(username: str, display_name: str, email: str) -> tuple[str, str, str]:
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("请填写用户名。")]
    elif len(username) > 150:
        errors["username"] = [_("用户名不能超过 150 个字符。")]
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = [_("用户名只能包含字母、数字和 @ . + - _ 字符。")]
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("用户名“%(u)s”已被使用。") % {"u": username}]
    if not display_name:
        errors["display_name"] = [_("请填写姓名。")]
    elif len(display_name) > 60:
        errors["display_name"] = [_("姓名不能超过 60 个字。")]
    if email:
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("电子邮箱格式不正确。")]
    if errors:
        raise ValidationError(errors)
    return username, display_name, email


@transaction.atomic
def create_staff_account(actor: Any, organisation: Organisation, username: str, display_name: str, email: str,
                         role_code: str) -> tuple[User, str]:
    """A staff account holding ``role_code`` on ``organisation``: (the account, its initial password — shown
    once to the creator, who hands it over; the owner must change it at first login)."""
    from kexie.orgs.models import Organisation

    role = Role.objects.filter(code=role_code).first()
    if role is None:
        raise ValidationError({"role": [_("请选择一个角色。")]})
    org = Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if org is None:
        raise ValidationError({"organisation": [_("请选择一个组织。")]})
    _require_grant(actor, org.path, role)
    if org.deleted_at:
        raise ValidationError({"organisation": [_("该组织已删除，不能在其中创建账号。")]})
    username, display_name, email = _clean_account_fields(username, display_name, email)
    account = User(username=username, display_name=display_name, email=email, must_change_password=True)
    password = initial_password(account)
    account.set_password(password)
    account.save()
    log_action(actor, "accounts.user.created", account, scope_path=org.path,
               after={gettext_noop("用户名"): username, gettext_noop("姓名"): display_name,
                      gettext_noop("组织"): str(org), gettext_noop("角色"): role.code})
    grant_role(actor, account, org, role.code)
    return account, password


@transaction.atomic
def set_active(actor: Any, account: User, active: bool) -> User:
    """Deactivates (停用) or reactivates (启用) an account whose role grants all lie where ``actor`` holds
    ``manage``; never the actor's own. A deactivated account cannot sign in, its sessions and API tokens stop
    working and its scope cache is emptied; reactivation rebuilds it from the roles it kept."""
    current = User.objects.select_for_update().get(pk=account.pk)
    if getattr(actor, "pk", None) is not None and actor.pk == current.pk:
        raise ValidationError(_("不能停用或启用自己的账号。"))
    if not can_manage_account(actor, current):
        raise PermissionDenied(_("您无权管理该账号。"))
    if current.is_active == active:
        raise ValidationError(_("该账号已是启用状态。") if active else _("该账号已停用。"))
    before = {gettext_noop("状态"): gettext_noop("停用") if active else gettext_noop("启用")}
    current.is_active = active
    current.save(update_fields=["is_active"])
    rebuild_scope(current)
    account.is_active, account.scope_cache = current.is_active, current.scope_cache
    paths = grant_paths(current)
    log_action(actor, "accounts.user.reactivated" if active else "accounts.user.deactivated", current,
               scope_path=paths[0] if paths else "", before=before,
               after={gettext_noop("状态"): gettext_noop("启用") if active else gettext_noop("停用")})
    return current


@transaction.atomic
def revoke_user_role(actor: Any, assignment: RoleAssignment) -> None:
    """Revokes a grant from the users page: an active account keeps at least one role (without one it would lie
    in nobody's subtree, beyond every administrator's reach); deactivate it instead."""
    current = RoleAssignment.objects.select_related("user").filter(pk=assignment.pk).first()
    if current is None:
        raise ValidationError(_("该角色授予不存在或已撤销。"))
    account = User.objects.select_for_update().get(pk=current.user_id)
    if account.is_active and not RoleAssignment.objects.filter(user=account).exclude(pk=current.pk).exists():
        raise ValidationError(_("这是该账号唯一的角色，撤销后将无人能管理该账号。如不再使用，请停用账号。"))
    revoke_role(actor, current)


# ---- locked accounts -------------------------------------------------------------------------------------
def account_paths(account: User) -> list[str]:
    """Where an account belongs: the organisations of its roles, else its person record's organisation."""
    paths = list(RoleAssignment.objects.filter(user=account).values_list("organisation__path", flat=True))
    if paths:
        return sorted(set(paths))
    from kexie.people.models import Person

    own = Person.objects.filter(user=account).values_list("org_path", flat=True).first()
    return [own] if own else []


def can_unlock(actor: Any, account: User) -> bool:
    """Staff may unlock an account whose roles all lie where they hold ``manage`` (or, for an account without
    roles, whose person record does); a superuser's account only by a superuser."""
    manage = scope_paths(actor, "accounts.manage")
    if account.is_superuser:
        return bool(getattr(actor, "is_superuser", False))
    if manage is None:
        return True
    paths = account_paths(account)
    return bool(manage) and bool(paths) and all(path_in_scope(p, manage) for p in paths)


def locked_accounts(actor: Any) -> list[tuple[User, dt.datetime]]:
    """The locked accounts ``actor`` may unlock, with the time of the last failed attempt."""
    if scope_paths(actor, "accounts.manage") == []:
        return []
    locked = lockout.locked_usernames()
    users = User.objects.filter(username__in=list(locked)).order_by("username")
    return [(u, locked[u.username]) for u in users if can_unlock(actor, u)]


@transaction.atomic
def unlock_account(actor: Any, account: User) -> User:
    current = User.objects.select_for_update().get(pk=account.pk)
    if not can_unlock(actor, current):
        raise PermissionDenied(_("您无权解锁该账号。"))
    if not lockout.is_locked(current.username):
        raise ValidationError(_("该账号未被锁定。"))
    cleared = lockout.clear(current.username)
    paths = account_paths(current)
    log_action(actor, "accounts.user.unlocked", current, scope_path=paths[0] if paths else "",
               extra={"attempts": cleared})
    return current


# ---- API tokens ------------------------------------------------------------------------------------------
MAX_TOKEN_DAYS = 365


@transaction.atomic
def create_token(actor: Any, user: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``: (the stored row, the key — shown this once and never again)."""
    if not is_system(actor) and getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied(_("只能为自己创建 API 令牌。"))
    if not user.is_active:
        raise ValidationError(_("用户 %(u)s 已停用。") % {"u": user.username})
    name = (name or "").strip()
    if len(name) > 60:
        raise ValidationError(_("用途不能超过 60 个字。"))
    if days is None:
        days = int(getattr(settings, "KEXIE_API_TOKEN_DAYS", 90))
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(_("有效天数应为 1 到 %(n)s 之间的整数。") % {"n": MAX_TOKEN_DAYS})
    key = ApiToken.new_key()
    now = timezone.now()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[: ApiToken.PREFIX_LENGTH],
                                    digest=token_digest(key), created_at=now,
                                    expires_at=now + dt.timedelta(days=days))
    log_action(actor, "accounts.token.created", token, scope_path="",
               extra={"user": user.username, "days": days})
    return token, key


@transaction.atomic
def revoke_token(actor: Any, token: ApiToken) -> ApiToken:
    current = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if not is_system(actor) and getattr(actor, "pk", None) != current.user_id:
        raise PermissionDenied(_("只能作废自己的 API 令牌。"))
    if current.revoked_at:
        raise ValidationError(_("该令牌已作废。"))
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    log_action(actor, "accounts.token.revoked", current, scope_path="", extra={"user": current.user.username})
    return current
