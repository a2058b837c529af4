"""Role grants and the precomputed scope cache; unlocking accounts; API tokens.

``actor=None`` is the platform itself (the demo seed, the server console): trusted, no scope check, audited
without an actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kexie.accounts import lockout
from kexie.accounts.models import ApiToken, Role, RoleAssignment, User, token_digest
from kexie.core.audit import log_action
from kexie.core.scope import ACTIONS, minimal_prefixes, path_in_scope, prefix_q, scope_paths
from kexie.core.services import require

if TYPE_CHECKING:
    from kexie.orgs.models import Organisation


# ---- the scope cache -----------------------------------------------------------------------------------
def compute_scope(user: User) -> dict[str, list[str]]:
    by_action: dict[str, list[str]] = {a: [] for a in ACTIONS}
    rows = RoleAssignment.objects.filter(
        user=user, organisation__deleted_at__isnull=True
    ).values_list("organisation__path", "role__actions")
    for path, actions in rows:
        for action in actions:
            if action in by_action:
                by_action[action].append(path)
    return {a: minimal_prefixes(p) for a, p in by_action.items() if p}


def rebuild_scope(user: User) -> None:
    user.scope_cache = compute_scope(user)
    User.objects.filter(pk=user.pk).update(scope_cache=user.scope_cache)


def rebuild_scopes(user_ids: Iterable[int]) -> int:
    n = 0
    for user in User.objects.filter(pk__in=set(user_ids)).only("pk", "scope_cache").iterator():
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
    if actor is None:
        return
    require(actor, "manage", path)
    for action in role.actions or []:
        if action in ACTIONS:
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


def users_at(org_ids: Iterable[int], action: str = "change") -> dict[int, list[Any]]:
    """Active users holding a role with ``action`` directly at each organisation."""
    out: dict[int, list[Any]] = {}
    rows = (RoleAssignment.objects.filter(organisation_id__in=list(org_ids), user__is_active=True)
            .select_related("user", "role"))
    for ra in rows:
        if action in (ra.role.actions or []):
            out.setdefault(ra.organisation_id, []).append(ra.user)
    return out


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
    manage = scope_paths(actor, "manage")
    if account.is_superuser:
        return bool(getattr(actor, "is_superuser", False))
    if manage is None:
        return True
    paths = account_paths(account)
    return bool(manage) and bool(paths) and all(path_in_scope(p, manage) for p in paths)


def locked_accounts(actor: Any) -> list[tuple[User, dt.datetime]]:
    """The locked accounts ``actor`` may unlock, with the time of the last failed attempt."""
    if scope_paths(actor, "manage") == []:
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
    if actor is not None and getattr(actor, "pk", None) != user.pk:
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
    if actor is not None and getattr(actor, "pk", None) != current.user_id:
        raise PermissionDenied(_("只能作废自己的 API 令牌。"))
    if current.revoked_at:
        raise ValidationError(_("该令牌已作废。"))
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    log_action(actor, "accounts.token.revoked", current, scope_path="", extra={"user": current.user.username})
    return current
