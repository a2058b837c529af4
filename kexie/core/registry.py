"""App registries (decision 0021): each app's ``AppConfig`` declares what it adds to the shared
parts of the site, and the central files read the declarations instead of listing every module.

An app subclasses :class:`KexieAppConfig` and fills in class attributes::

    class PeopleConfig(KexieAppConfig):
        name = "kexie.people"
        menu = (MenuEntry(_("科技工作者"), "people:list", order=20, action="people.view"),)
        daily_jobs = (DailyJob("kexie.people.tasks.tidy_task", order=35, line=_("整理：{rows} 行。")),)
        api_routes = (ApiRoute("people", "kexie.api.views.PersonViewSet", "person"),)

- ``menu``: the base template's main menu (``menu_for(user)``, through the ``main_menu`` context
  processor). An entry names the scope action a user must hold somewhere to see it; without one every
  signed-in user sees it (pages individuals use: applying to calls, posting needs, notices); ``check``
  (a callable or its dotted path, ``check(user) -> bool``) covers special cases.
- ``daily_jobs``: the django-tasks tasks ``kexie daily`` enqueues (or runs with ``--now``, printing one
  line per job from its result).
- ``api_routes``: the viewsets ``kexie/api/urls.py`` registers on its router.
- ``url_prefix``: where ``kexie/urls.py`` mounts the app's ``urls.py`` (``url_mounts()``).
- ``actions``: the module actions roles bundle (``kexie.core.permissions``, decision 0025).
- ``figures``: the registry figures (``Figure``) report forms pre-fill and evaluations read
  (``kexie.reports.registry.METRICS`` is their catalogue).
- ``import_kinds``: the kinds of spreadsheet import (``ImportKind``) the import page, its templates,
  ``kexie import {kind}`` and the import services offer (``import_kinds()``).
- ``export_kinds``: the large lists the app lets staff export as background jobs (``ExportKind``; the
  /exports/ pages, ``export_kinds()``; decision 0033).
- ``portal_blocks``: the blocks of the public portal's home page (``PortalBlock``: news and notices, popular
  science, events…), rendered in ``order`` by every declared block's template with its context callable.
- ``notices``: the kinds of notices the app sends (``NoticeKind``): every ``notify(..., key=...)`` key starts
  with a declared ``key_prefix`` (tests/test_notices.py scans the code); users switch each kind's e-mail on or
  off at /notices/settings/ (``notice_kinds()``, ``notice_kind(key)``).
- ``desk``: the to-do desk (工作台) of the staff home page: dotted paths of ``todos(user) -> list[Todo]``, each
  counting what waits for the user in the app (``Todo.kind`` ``"mine"``) and what the user started that waits
  for others (``"waiting"``) from ``for_user(user, action)`` in one or two aggregate queries (``summarise()``);
  ``desk_items(user)`` reads every app (decision 0041).

Everything is read in ``INSTALLED_APPS`` order; ``order`` sorts menu entries and daily jobs across apps.
Code is named by dotted paths and imported only when used, so apps.py imports no models or views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.apps import AppConfig, apps
from django.utils.module_loading import import_string

from kexie.core.permissions import Action

__all__ = ["Action", "ApiRoute", "DailyJob", "ExportKind", "Figure", "ImportKind", "KexieAppConfig", "MenuEntry",
           "NoticeKind", "PortalBlock", "Summary", "Todo"]


def _load(ref: Any) -> Any:
    return import_string(ref) if isinstance(ref, str) else ref


@dataclass(frozen=True)
class MenuEntry:
    """One link of the main menu.

    ``label``: lazy Chinese text; ``url_name``: reversed without arguments; ``action``: the scope action the
    user must hold on some organisation (``scope_paths(user, action) != []``), ``None`` for every signed-in
    user; ``check``: ``check(user) -> bool`` (callable or dotted path) instead of an action, for special cases;
    ``element_id``: the ``id`` of the ``<a>``; ``badge``: dotted path of ``badge(request)`` whose value, when
    truthy, is shown beside the label (the unread-notice count)."""

    label: Any
    url_name: str
    order: int
    action: str | None = None
    check: Callable[[Any], bool] | str | None = None
    element_id: str = ""
    badge: str = ""

    def visible_to(self, user: Any, holds: Callable[[str], bool]) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if self.check is not None and not _load(self.check)(user):
            return False
        return self.action is None or holds(self.action)


@dataclass(frozen=True)
class DailyJob:
    """A task of ``kexie daily``: ``task`` is the dotted path of a django-tasks task (imported when the command
    runs). With ``--now`` its result becomes one printed line: ``line`` is a format filled from the result's
    keys (``{people}``), or ``report`` the dotted path of ``report(result) -> str``; neither prints nothing."""

    task: str
    order: int
    line: Any = None
    report: str = ""

    def load(self) -> Any:
        return import_string(self.task)

    def describe(self, result: Any) -> str | None:
        if self.report:
            return str(import_string(self.report)(result))
        if self.line is not None:
            return str(self.line).format(**result) if isinstance(result, Mapping) else str(self.line).format(result)
        return None


@dataclass(frozen=True)
class ApiRoute:
    """A viewset on the API router: URL prefix, dotted path of the viewset, basename (URL names
    ``<basename>-list`` and ``<basename>-detail``)."""

    prefix: str
    viewset: str
    basename: str

    def load(self) -> Any:
        return import_string(self.viewset)


@dataclass(frozen=True)
class Figure:
    """A registry figure (登记数据): a count the platform already knows about each organisation (its members,
    branches, workstations…), which report forms pre-fill (``"prefill": key``) and evaluations use as an
    indicator source. ``count`` is the dotted path of ``count(orgs: list[Organisation]) -> {org id: value}``,
    one set-based query for the whole list; organisations it leaves out count 0."""

    key: str
    label: Any
    unit: Any
    count: str

    def load(self) -> Callable[[list[Any]], dict[int, float]]:
        return import_string(self.count)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ImportKind:
    """A kind of spreadsheet import (SPEC §2.4, decision 0006): ``code`` is what ``ImportBatch.kind`` stores
    (at most 12 characters) and the ``{kind}`` of ``kexie import {kind}`` and of the template URL; ``label`` the
    page's name for it; ``spec`` the dotted path of its column list (``kexie.imports.spec.Spec``); ``apply`` the
    dotted path of its importer (a subclass of ``kexie.imports.apply.Importer``: matching and writing, set-based);
    ``action`` the module action the rows need in the target's scope (``people.change``), checked besides
    ``imports.change``; ``order`` sorts the kinds on the page; ``census``: a done import (or its rollback)
    schedules a census refresh; ``help``: one line shown beside the template link."""

    code: str
    label: Any
    spec: str
    apply: str
    action: str
    order: int
    census: bool = False
    help: Any = ""

    def load_spec(self) -> Any:
        return import_string(self.spec)

    def load_importer(self) -> Any:
        return import_string(self.apply)


@dataclass(frozen=True)
class ExportKind:
    """A list that can be exported as a background job (decision 0033): ``code`` is what ``ExportJob.kind``
    stores (at most 20 characters); ``label`` names the export on the pages and in the notice; ``rows`` the
    dotted path of ``rows(user, params) -> (headers, total, iterator of rows)``, which starts from
    ``Model.objects.for_user(user, action)`` with the user's scope at the time it runs and applies the list's
    filters from ``params`` (the query string as given; it raises ``ValidationError`` for bad filters and
    ``PermissionDenied`` when the user may no longer export); ``action`` the module action the export needs
    (``people.export``); ``sheet``: the sheet title (the label when empty)."""

    code: str
    label: Any
    rows: str
    action: str
    sheet: Any = ""

    def load(self) -> Callable[..., Any]:
        return import_string(self.rows)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PortalBlock:
    """A block of the public portal's home page (门户首页; anonymous visitors): ``title`` (lazy Chinese text),
    ``template`` (rendered with the block's context under ``block``), ``context`` the dotted path of
    ``context(request) -> dict`` (what the template shows: public rows only, from ``for_public()``), ``order``
    sorts the blocks across apps; ``key`` names the block in the page (``id="portal-block-<key>"``)."""

    key: str
    title: Any
    template: str
    context: str
    order: int

    def load(self) -> Callable[[Any], dict[str, Any]]:
        return import_string(self.context)  # type: ignore[no-any-return]


NOTICE_AUDIENCES = ("staff", "people")


@dataclass(frozen=True)
class NoticeKind:
    """A kind of notice an app sends (站内通知), named by the start of its keys: ``notify(..., key=...)`` keys
    starting with ``key_prefix`` are of this kind (the longest declared prefix wins, so ``"calls-project-"``
    and ``"calls-project-due-"`` can both be kinds). ``label`` and ``description``: lazy Chinese text for the
    settings page; ``email_default``: whether the notice is also e-mailed to users who have not chosen
    otherwise; ``audience``: ``"staff"`` (sent to role holders: only users with a role see it in their
    settings) or ``"people"`` (applicants, experts, enterprise users…: everyone sees it)."""

    key_prefix: str
    label: Any
    description: Any
    email_default: bool = True
    audience: str = "staff"

    def __post_init__(self) -> None:
        if not self.key_prefix:
            raise ValueError("a notice kind needs a key prefix")
        if self.audience not in NOTICE_AUDIENCES:
            raise ValueError(f"notice kind {self.key_prefix!r}: audience must be one of {NOTICE_AUDIENCES}")


class KexieAppConfig(AppConfig):
    """Base of every kexie app's config; see the module docstring for the attributes."""

    # Django picks the one AppConfig subclass found in an apps.py; this base, imported there, must not count.
    default = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True  # an app's own config is its default

    # Where the app's urls.py is mounted ("people/"; "" at the root); None mounts nothing. kexie/urls.py reads it.
    url_prefix: ClassVar[str | None] = None
    menu: ClassVar[tuple[MenuEntry, ...]] = ()
    # The module actions roles may bundle (kexie.core.permissions.Action; decision 0025).
    actions: ClassVar[tuple[Action, ...]] = ()
    daily_jobs: ClassVar[tuple[DailyJob, ...]] = ()
    api_routes: ClassVar[tuple[ApiRoute, ...]] = ()
    figures: ClassVar[tuple[Figure, ...]] = ()
    import_kinds: ClassVar[tuple[ImportKind, ...]] = ()
    export_kinds: ClassVar[tuple[ExportKind, ...]] = ()
    # The kinds of notices the app sends (NoticeKind; the e-mail switches of /notices/settings/).
    notices: ClassVar[tuple[NoticeKind, ...]] = ()
    # The blocks of the public portal's home page (PortalBlock).
    portal_blocks: ClassVar[tuple[PortalBlock, ...]] = ()
    # The to-do desk of the staff home page: dotted paths of ``todos(user) -> list[Todo]`` (decision 0041).
    desk: ClassVar[tuple[str, ...]] = ()


def app_configs() -> list[KexieAppConfig]:
    """The installed kexie apps, in ``INSTALLED_APPS`` order."""
    return [c for c in apps.get_app_configs() if isinstance(c, KexieAppConfig)]


def menu_entries() -> list[MenuEntry]:
    entries = [e for c in app_configs() for e in c.menu]
    return sorted(entries, key=lambda e: e.order)  # stable: equal orders keep INSTALLED_APPS order


def menu_for(user: Any) -> list[MenuEntry]:
    """The main-menu entries ``user`` may use, in menu order. Each action's scope is looked up once."""
    from kexie.core.scope import scope_paths  # apps.py files import this module while apps load

    held: dict[str, bool] = {}

    def holds(action: str) -> bool:
        if action not in held:
            held[action] = scope_paths(user, action) != []
        return held[action]

    return [e for e in menu_entries() if e.visible_to(user, holds)]


def url_mounts() -> list[tuple[str, str]]:
    """``(prefix, urls module)`` of every app with a ``url_prefix``, in ``INSTALLED_APPS`` order."""
    return [(c.url_prefix, f"{c.name}.urls") for c in app_configs() if c.url_prefix is not None]


def daily_jobs() -> list[DailyJob]:
    jobs = [j for c in app_configs() for j in c.daily_jobs]
    return sorted(jobs, key=lambda j: j.order)


def figures() -> dict[str, Figure]:
    """Every app's registry figures by key, in ``INSTALLED_APPS`` order (a key declared twice is an error)."""
    out: dict[str, Figure] = {}
    for config in app_configs():
        for figure in config.figures:
            if figure.key in out:
                raise ValueError(f"registry figure {figure.key!r} declared twice")
            out[figure.key] = figure
    return out


def api_routes() -> list[ApiRoute]:
    return [r for c in app_configs() for r in c.api_routes]


def portal_blocks() -> list[PortalBlock]:
    """Every app's portal blocks in ``order`` (a key declared twice is an error)."""
    blocks = sorted((b for c in app_configs() for b in c.portal_blocks), key=lambda b: b.order)
    keys = [b.key for b in blocks]
    if len(keys) != len(set(keys)):
        raise ValueError(f"portal block declared twice: {sorted(k for k in keys if keys.count(k) > 1)}")
    return blocks


def import_kinds() -> dict[str, ImportKind]:
    """Every app's import kinds by code, in ``order`` (a code declared twice, or longer than the 12 characters
    ``ImportBatch.kind`` holds, is an error)."""
    out: dict[str, ImportKind] = {}
    for kind in sorted((k for c in app_configs() for k in c.import_kinds), key=lambda k: k.order):
        if kind.code in out:
            raise ValueError(f"import kind {kind.code!r} declared twice")
        if not 0 < len(kind.code) <= 12:
            raise ValueError(f"import kind {kind.code!r}: a code has 1 to 12 characters")
        out[kind.code] = kind
    return out


def export_kinds() -> dict[str, ExportKind]:
    """Every app's export kinds by code, in ``INSTALLED_APPS`` order (a code declared twice, or longer than the
    20 characters ``ExportJob.kind`` holds, is an error)."""
    out: dict[str, ExportKind] = {}
    for config in app_configs():
        for kind in config.export_kinds:
            if kind.code in out:
                raise ValueError(f"export kind {kind.code!r} declared twice")
            if not 0 < len(kind.code) <= 20:
                raise ValueError(f"export kind {kind.code!r}: a code has 1 to 20 characters")
            out[kind.code] = kind
    return out


def notice_kinds() -> dict[str, NoticeKind]:
    """Every app's notice kinds by key prefix, in ``INSTALLED_APPS`` order (a prefix declared twice is an
    error)."""
    out: dict[str, NoticeKind] = {}
    for config in app_configs():
        for kind in config.notices:
            if kind.key_prefix in out:
                raise ValueError(f"notice kind {kind.key_prefix!r} declared twice")
            out[kind.key_prefix] = kind
    return out


def notice_kind(key: str, kinds: Mapping[str, NoticeKind] | None = None) -> NoticeKind | None:
    """The kind of a notice key: the declared kind with the longest prefix the key starts with; ``None`` for an
    empty key or one no app declares."""
    if not key:
        return None
    found = [k for prefix, k in (notice_kinds() if kinds is None else kinds).items() if key.startswith(prefix)]
    return max(found, key=lambda k: len(k.key_prefix), default=None)


TODO_KINDS = ("mine", "waiting")


@dataclass(frozen=True)
class Todo:
    """One line of the to-do desk (工作台): ``count`` things of one sort wait (``kind`` ``"mine"``: for the user;
    ``"waiting"``: what the user started, waiting for others), ``url`` the page where they are handled (the one
    record when there is one, else the list, filtered where the list can be), ``deadline`` the nearest deadline
    (a date; ``None`` when the sort has none), ``overdue`` how many are past theirs, ``order`` sorts the lines across
    apps; ``note``: an optional short line under the label (what the deadline is: 答复时限, 截止日期…)."""

    label: Any
    count: int
    url: str
    deadline: dt.date | None = None
    overdue: int = 0
    kind: str = "mine"
    order: int = 100
    note: Any = ""

    def __post_init__(self) -> None:
        if self.kind not in TODO_KINDS:
            raise ValueError(f"to-do {self.label!r}: kind must be one of {TODO_KINDS}")

    @property
    def late(self) -> bool:
        """Something is past its deadline (the nearest deadline passed, or an overdue count)."""
        from django.utils import timezone

        return self.overdue > 0 or (self.deadline is not None and self.deadline < timezone.localdate())

    @property
    def days_left(self) -> int | None:
        """Days from today to the nearest deadline (negative once past), ``None`` without one."""
        from django.utils import timezone

        return None if self.deadline is None else (self.deadline - timezone.localdate()).days


@dataclass(frozen=True)
class Summary:
    """What ``summarise()`` counts: ``count`` rows, the nearest ``deadline`` (a local date), ``overdue`` rows past
    theirs, ``single`` the one value of the ``one`` field when every row shares it (the record or the list to
    link to), else ``None``."""

    count: int
    deadline: dt.date | None
    overdue: int
    single: Any

    def todo(self, label: Any, record: str, listing: str, **line: Any) -> Todo:
        """The desk line of this count: its link is the one record's page (URL name ``record`` with ``single``)
        when one waits, else ``listing`` (the list, filtered where it can be); ``line``: Todo's other fields
        (``order``, ``kind``, ``note``). The deadline and the overdue count come along."""
        from django.urls import reverse

        url = reverse(record, args=[self.single]) if self.single else listing
        return Todo(label, self.count, url, self.deadline, self.overdue, **line)


def summarise(qs: Any, deadline: str | None = None, one: str = "pk") -> Summary:
    """Count ``qs`` in one aggregate query. ``deadline`` names a date or date-time field (``"respond_by"``,
    ``"campaign__deadline"``): its nearest value and how many rows are past it (before today for a date, before
    now for a date-time). ``one`` names a field (``"pk"``, ``"campaign"``) whose value ``single`` gives when all
    rows share it."""
    from django.db.models import Count, DateTimeField, Min, Q
    from django.utils import timezone

    aggregates: dict[str, Any] = {"n": Count("pk"), "kinds": Count(one, distinct=True), "single": Min(one)}
    if deadline is not None:
        model, field = qs.model, None
        for part in deadline.split("__"):
            field = model._meta.get_field(part)
            model = field.related_model or model
        now: Any = timezone.now() if isinstance(field, DateTimeField) else timezone.localdate()
        aggregates |= {"first": Min(deadline), "late": Count("pk", filter=Q(**{f"{deadline}__lt": now}))}
    row = qs.order_by().aggregate(**aggregates)
    first = row.get("first")
    if isinstance(first, dt.datetime):
        first = timezone.localdate(first) if timezone.is_aware(first) else first.date()
    return Summary(row["n"] or 0, first, row.get("late") or 0, row["single"] if row["kinds"] == 1 else None)


def desk_items(user: Any) -> list[Todo]:
    """Every app's to-do lines for ``user`` with something to count, in ``order`` (``INSTALLED_APPS`` order for
    equal orders)."""
    items = [t for c in app_configs() for ref in c.desk for t in import_string(ref)(user)]
    return sorted((t for t in items if t.count > 0), key=lambda t: t.order)


def desk_functions() -> list[str]:
    """The dotted paths of every app's desk functions, in ``INSTALLED_APPS`` order."""
    return [ref for c in app_configs() for ref in c.desk]
