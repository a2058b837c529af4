"""Safety nets: whatever saves or deletes a role grant or a role (the admin, a shell, a migration, a cascade),
the scope caches of the users concerned are rebuilt, and those of root-role holders when a root is added or
removed (the cache says which actions hold every root); the login time starts the session's absolute lifetime."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from django.dispatch import receiver

from kexie.accounts.models import Role, RoleAssignment
from kexie.orgs.models import Organisation


@receiver(post_save, sender=RoleAssignment, dispatch_uid="kexie-assignment-saved")
@receiver(post_delete, sender=RoleAssignment, dispatch_uid="kexie-assignment-deleted")
def _assignment_changed(sender: Any, instance: RoleAssignment, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return  # loading a fixture: the caches are rebuilt by whoever loads it
    from kexie.accounts.services import rebuild_scopes

    ids = {instance.user_id}
    previous = getattr(instance, "_previous_user_id", None)
    if previous:
        ids.add(previous)  # the grant moved to another user (the admin can edit it)
    rebuild_scopes(ids)


@receiver(pre_save, sender=RoleAssignment, dispatch_uid="kexie-assignment-before-save")
def _assignment_before(sender: Any, instance: RoleAssignment, raw: bool = False, **kwargs: Any) -> None:
    if instance.pk and not raw:
        instance._previous_user_id = (  # type: ignore[attr-defined]  # remembered for the post_save above
            RoleAssignment.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first())


@receiver(post_save, sender=Role, dispatch_uid="kexie-role-saved")
def _role_changed(sender: Any, instance: Role, raw: bool = False, created: bool = False, **kwargs: Any) -> None:
    if raw or created:
        return
    from kexie.accounts.services import rebuild_role_holders

    rebuild_role_holders(instance)


@receiver(post_save, sender=Organisation, dispatch_uid="kexie-root-saved")
@receiver(post_delete, sender=Organisation, dispatch_uid="kexie-root-deleted")
def _root_changed(sender: Any, instance: Organisation, raw: bool = False, created: bool = True,
                  **kwargs: Any) -> None:
    if raw or not created or instance.depth != 1:
        return  # only a new or removed root changes what "every root" means; a move rebuilds every cache
    from kexie.accounts.services import rebuild_root_holders

    rebuild_root_holders()


@receiver(post_migrate, dispatch_uid="kexie-stale-scopes")
def _migrated(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    """After migrate (once, for this app): caches built for another set of module actions are rebuilt."""
    if app_config is None or app_config.label != "accounts":
        return
    from kexie.accounts.services import rebuild_stale_scopes

    rebuild_stale_scopes()


@receiver(user_logged_in, dispatch_uid="kexie-session-login-time")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from kexie.accounts.middleware import remember_login

    remember_login(request)
