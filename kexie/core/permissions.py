"""Module actions (decision 0025): what a role may do is a set of ``module.action`` codes that each app declares
in its ``AppConfig.actions`` (``people.view``, ``people.pii``, ``calls.manage``, ``reports.review`` …).

A role is data: its ``actions`` list holds codes and bundles, expanded here against the installed apps:

- ``"people.view"``: that action;
- ``"people.*"``: every action of the module;
- ``"*.view"``: that verb in every module that declares it;
- ``"*"``: everything;
- ``"view"``, ``"change"``, ``"export"``, ``"view_pii"``, ``"manage"``: the five bundles the platform started
  with (every action that declares it as its ``bundle``), kept so that the generic roles 管理员 / 工作人员 /
  只读 read as before and a role edited in the admin keeps its meaning.

``User.scope_cache`` is keyed by the concrete codes (``kexie.accounts.services.compute_scope``), so a check stays a
dictionary look-up and a range filter. ``ScopedQuerySet.for_user(user, "view")`` resolves a bare verb to the
model's module (``Person`` → ``people.view``); ``require`` and ``user_can`` take full codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.signals import setting_changed

# The bundles a role may name instead of codes (the platform's first global actions).
BUNDLES = ("view", "change", "export", "view_pii", "manage")


@dataclass(frozen=True)
class Action:
    """One thing a role may allow: ``code`` (``module.verb``), its Chinese ``label`` (lazy), and the ``bundle``
    that includes it (one of ``BUNDLES``)."""

    code: str
    label: Any
    bundle: str = "change"

    def __post_init__(self) -> None:
        module, _, verb = self.code.partition(".")
        if not module or not verb or "." in verb or "*" in self.code:
            raise ValueError(f"an action code is module.verb: {self.code!r}")
        if self.bundle not in BUNDLES:
            raise ValueError(f"unknown bundle {self.bundle!r} for {self.code!r}")

    @property
    def module(self) -> str:
        return self.code.partition(".")[0]

    @property
    def verb(self) -> str:
        return self.code.partition(".")[2]


def _installed_apps_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "INSTALLED_APPS":
        clear_cache()


setting_changed.connect(_installed_apps_changed, dispatch_uid="kexie.core.permissions")


@cache
def _declared() -> dict[str, Action]:
    from kexie.core.registry import app_configs

    out: dict[str, Action] = {}
    for config in app_configs():
        for action in config.actions:
            if action.code in out:
                raise ValueError(f"action {action.code!r} declared twice")
            out[action.code] = action
    return out


def clear_cache() -> None:
    """Forget the declared actions (a test that installs another app calls this through setting_changed)."""
    _declared.cache_clear()


def fingerprint() -> str:
    """A short digest of the declared actions and their bundles: a scope cache built under another set (a module
    was installed or removed) is stale (``kexie.accounts.services.rebuild_stale_scopes`` after migrate)."""
    import hashlib

    text = ";".join(f"{c}:{a.bundle}" for c, a in sorted(_declared().items()))
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def all_actions() -> dict[str, Action]:
    """Every declared action by code, in ``INSTALLED_APPS`` order."""
    return _declared()


def is_action(code: str) -> bool:
    return code in _declared()


def label(code: str) -> str:
    action = _declared().get(code)
    return str(action.label) if action else code


def expand(entries: Iterable[str]) -> set[str]:
    """The concrete codes a role's ``actions`` list allows (unknown entries, e.g. of a module not installed here,
    allow nothing)."""
    declared = _declared()
    out: set[str] = set()
    for entry in entries:
        entry = str(entry)
        if entry == "*":
            out.update(declared)
        elif entry in BUNDLES:
            out.update(c for c, a in declared.items() if a.bundle == entry)
        elif entry.endswith(".*"):
            out.update(c for c, a in declared.items() if a.module == entry[:-2])
        elif entry.startswith("*."):
            out.update(c for c, a in declared.items() if a.verb == entry[2:])
        elif entry in declared:
            out.add(entry)
    return out


def resolve(action: str, model: Any = None) -> str:
    """The full code of ``action``: a code is checked, a bare verb takes ``model``'s module (its
    ``scope_module`` or app label). Unknown actions raise ``ValueError`` — a typo must not read as "nothing"."""
    if "." not in action and model is not None:
        module = getattr(model, "scope_module", None) or model._meta.app_label
        action = f"{module}.{action}"
    if action not in _declared():
        raise ValueError(f"unknown action {action!r}")
    return action


def describe(entries: Iterable[str]) -> list[str]:
    """Chinese labels of a role's entries, for the roles pages (bundles and wildcards named as such)."""
    from django.utils.translation import gettext as _

    bundle_names = {"view": _("全部模块：查看"), "change": _("全部模块：办理"), "export": _("全部模块：导出"),
                    "view_pii": _("查看完整个人信息"), "manage": _("全部模块：管理")}
    out = []
    for entry in entries:
        if entry == "*":
            out.append(_("全部权限"))
        elif entry in bundle_names:
            out.append(bundle_names[entry])
        elif entry.endswith(".*"):
            out.append(_("%(m)s：全部") % {"m": module_label(entry[:-2])})
        elif entry.startswith("*."):
            out.append(_("全部模块：%(v)s") % {"v": entry[2:]})
        else:
            out.append(f"{module_label(entry.partition('.')[0])}：{label(entry)}")
    return out


def module_label(module: str) -> str:
    from kexie.core.registry import app_configs

    for config in app_configs():
        if config.label == module:
            return str(config.verbose_name)
    return module
