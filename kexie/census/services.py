"""The census of scientists (底数, SPEC §3.1): how many unique scientists a user's scope holds and how
they are structured — by region, age band, gender, title level, education, first-level discipline and
organisation kind ("摸清全省科技工作者的数量、结构、层次").

Unique scientists are the live ``Person`` rows: identity resolution soft-deletes merged duplicates.
The set counted is exactly ``Person.objects.for_user(user, action).alive()`` narrowed by the filters;
people map to regions and kinds through the organisation that holds their record (``org``).

Two ways to the same figures (decision 0009):

- ``live``: one GROUP BY over the scoped people (the cube of organisation × discipline × title ×
  age band × gender × education), folded into the breakdowns in Python. Exact and current, but it
  reads every person in scope: 6 s for the province at 1,000,000 people on PostgreSQL.
- ``summary``: sums over ``CensusCount`` rows of the organisations in scope (rebuilt set-based by
  ``refresh()``), plus a live count of the people the scope reaches only through a membership in one
  of its societies while their own organisation lies outside it (those cannot be pre-summed per
  organisation without counting someone twice). Its cost grows with organisations, not people.

Small scopes (up to ``KEXIE_CENSUS_LIVE_MAX`` people, estimated from the denormalised head counts)
are counted live, so a township or a society sees its changes at once; larger ones use the summary,
whose date the page states."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.census.models import ANY, CensusCount, CensusState, Dimension
from kexie.core.scope import path_in_scope, prefix_q, scope_paths
from kexie.orgs.models import Level, Organisation, OrgKind, Region
from kexie.people.models import Discipline, Education, Gender, Person, PersonDiscipline, TitleLevel

LIVE = "live"
SUMMARY = "summary"
LIVE_MAX_DEFAULT = 5_000  # live: ~40 µs a person on PostgreSQL (decision 0009)

# (value, label, lower bound of the age in years); "" is an unknown birth date.
AGE_BANDS: tuple[tuple[str, Promise, int], ...] = (
    ("lt35", gettext_lazy("35岁以下"), 0),
    ("35_44", gettext_lazy("35–44岁"), 35),
    ("45_54", gettext_lazy("45–54岁"), 45),
    ("55_64", gettext_lazy("55–64岁"), 55),
    ("65p", gettext_lazy("65岁及以上"), 65),
)
UNKNOWN = gettext_lazy("未填")
PERSON_DIMENSIONS = (Dimension.AGE, Dimension.GENDER, Dimension.TITLE, Dimension.EDUCATION, Dimension.DISCIPLINE)

# A cube row: organisation id, first-level discipline, title level, age band, gender, education, count.
CubeRow = tuple[int, str, str, str, str, str, int]


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (28 February for a 29 February in a common year):
    someone born on or before it is at least ``years`` old on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_band(birth: dt.date | None, as_of: dt.date) -> str:
    """The band of someone born on ``birth`` on the day ``as_of`` ("" when unknown)."""
    if birth is None:
        return ""
    for value, _label, lower in reversed(AGE_BANDS):
        if birth <= years_before(as_of, lower):
            return value
    return AGE_BANDS[0][0]


def today() -> dt.date:
    """Today in the site's time zone (Asia/Shanghai)."""
    return timezone.localdate()


# --- filters and scope -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """``discipline``: a first-level code, "" for people without a primary discipline, None for all;
    ``title_level``: a ``TitleLevel`` value ("" for none) or None for all; ``org``: a subtree."""

    org: Organisation | None = None
    discipline: str | None = None
    title_level: str | None = None


def effective_paths(user: Any, action: str, filters: Filters) -> list[str] | None:
    """The path prefixes counted: the organisation filter (which must lie in scope) or the scope."""
    paths = scope_paths(user, action)
    if filters.org is None:
        return paths
    if not path_in_scope(filters.org.path, paths):
        raise PermissionDenied(_("记录不存在或您无权访问。"))
    return [filters.org.path]


def estimated_people(paths: list[str] | None) -> int:
    """People the prefixes reach (own organisation plus memberships), from the denormalised head counts."""
    from kexie.members.models import Membership

    orgs = Organisation.objects.order_by()
    members = Membership.objects.order_by()
    if paths is not None:
        orgs, members = orgs.filter(prefix_q("path", paths)), members.filter(prefix_q("org_path", paths))
    own: int = orgs.aggregate(n=Sum("people_count"))["n"] or 0
    if paths is None:
        return own
    return own + members.count()


def live_max() -> int:
    return int(getattr(settings, "KEXIE_CENSUS_LIVE_MAX", LIVE_MAX_DEFAULT))


# --- the live cube -------------------------------------------------------------------------------


def _discipline_expr() -> Coalesce:
    first = (PersonDiscipline.objects.filter(person=OuterRef("pk"), is_primary=True)
             .order_by("discipline__code").annotate(d=Substr("discipline__code", 1, 3)).values("d")[:1])
    return Coalesce(Subquery(first, output_field=CharField()), Value(""), output_field=CharField())


def _age_expr(as_of: dt.date) -> Case:
    whens = [When(birth_date__isnull=True, then=Value(""))]
    for value, _label, lower in AGE_BANDS[:0:-1]:  # oldest band first
        whens.append(When(birth_date__lte=years_before(as_of, lower), then=Value(value)))
    return Case(*whens, default=Value(AGE_BANDS[0][0]), output_field=CharField())


def people_in_scope(user: Any, action: str, filters: Filters) -> QuerySet[Person]:
    """The live people counted for ``filters`` (the organisation filter narrows the scope to the people
    a role at that organisation would reach); discipline and title are applied by ``live_cube``."""
    paths = effective_paths(user, action, filters)
    qs = Person.objects.for_user(user, action).alive()
    if filters.org is not None and paths is not None:
        qs = qs.filter(Person.scope_q(paths))
    return qs


def live_cube(people: QuerySet[Person], filters: Filters, as_of: dt.date) -> list[CubeRow]:
    qs = people.annotate(disc=_discipline_expr(), band=_age_expr(as_of))
    if filters.discipline is not None:
        qs = qs.filter(disc=filters.discipline)
    if filters.title_level is not None:
        qs = qs.filter(title_level=filters.title_level)
    rows = (qs.order_by().values("org_id", "disc", "title_level", "band", "gender", "education")
            .annotate(n=Count("id")).values_list("org_id", "disc", "title_level", "band", "gender", "education", "n"))
    return [(int(o), str(d), str(t), str(a), str(g), str(e), int(n)) for o, d, t, a, g, e, n in rows]


# --- the tally and the result ------------------------------------------------------------------


@dataclass
class Tally:
    per_dimension: dict[str, Counter[str]] = field(default_factory=lambda: {d: Counter() for d in PERSON_DIMENSIONS})
    per_org: Counter[int] = field(default_factory=Counter)

    def add_cube(self, rows: Iterable[CubeRow]) -> None:
        for org, disc, title, age, gender, edu, n in rows:
            self.per_org[org] += n
            self.per_dimension[Dimension.AGE][age] += n
            self.per_dimension[Dimension.GENDER][gender] += n
            self.per_dimension[Dimension.TITLE][title] += n
            self.per_dimension[Dimension.EDUCATION][edu] += n
            self.per_dimension[Dimension.DISCIPLINE][disc] += n

    @property
    def total(self) -> int:
        return sum(self.per_org.values())


@dataclass
class Row:
    value: str
    label: str
    n: int
    share: float  # per cent of the total, one decimal


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[Row]


@dataclass
class Census:
    total: int
    breakdowns: list[Breakdown]
    method: str
    as_of: dt.date
    refreshed_at: dt.datetime | None
    scope_label: str
    filters_label: list[tuple[str, str]]

    def chart_data(self) -> dict[str, Any]:
        """What the page's charts read (``json_script``): labels and counts per breakdown."""
        return {"total": self.total, "count_label": _("人数"),
                "breakdowns": [{"key": b.key, "title": b.title, "labels": [r.label for r in b.rows],
                                "values": [r.n for r in b.rows]} for b in self.breakdowns]}


# --- the summary -------------------------------------------------------------------------------


def summary_tally(user: Any, action: str, filters: Filters, paths: list[str] | None, as_of: dt.date) -> Tally:
    """Sum the summary rows of the organisations in scope for the filters' slice, then add the people
    reached only through a membership (counted live)."""
    rows = CensusCount.objects.for_user(user, action).filter(
        discipline=ANY if filters.discipline is None else filters.discipline,
        title_level=ANY if filters.title_level is None else filters.title_level,
    )
    if filters.org is not None and paths is not None:
        rows = rows.filter(prefix_q("org_path", paths))
    tally = Tally()
    rows = rows.order_by()
    for org, n in rows.filter(dimension=Dimension.TOTAL).values_list("org_id", "n"):
        tally.per_org[org] += n
    sums = rows.exclude(dimension=Dimension.TOTAL).values("dimension", "value").annotate(s=Sum("n"))
    for dim, value, n in sums.values_list("dimension", "value", "s"):
        tally.per_dimension[dim][value] += n
    if paths is not None:
        tally.add_cube(live_cube(members_only(user, action, paths), filters, as_of))
    return tally


def members_only(user: Any, action: str, paths: list[str]) -> QuerySet[Person]:
    """People in scope through a membership in a society under ``paths`` whose own organisation lies
    outside ``paths`` (the summary counts people by their own organisation only)."""
    from kexie.members.models import Membership

    member_ids = Membership.objects.filter(prefix_q("org_path", paths)).values("person_id")
    return Person.objects.alive().filter(pk__in=member_ids).exclude(prefix_q("org_path", paths))


def compute(user: Any, filters: Filters, action: str = "census.view", method: str | None = None) -> Census:
    """The census for ``user``'s scope and ``filters``; ``method`` forces ``live`` or ``summary``."""
    paths = effective_paths(user, action, filters)
    state = CensusState.objects.order_by("-refreshed_at").first()
    if method is None:
        method = SUMMARY if state is not None and estimated_people(paths) > live_max() else LIVE
    if method == SUMMARY:
        if state is None:
            raise ValueError("the census summary has not been built: run refresh() first")
        as_of, refreshed_at = state.as_of, state.refreshed_at
        tally = summary_tally(user, action, filters, paths, as_of)
    else:
        as_of, refreshed_at = today(), None
        tally = Tally()
        tally.add_cube(live_cube(people_in_scope(user, action, filters), filters, as_of))
    # A filtered column has one value, the total (the summary keeps no rows for it).
    total = tally.total
    if filters.discipline is not None:
        tally.per_dimension[Dimension.DISCIPLINE] = Counter({filters.discipline: total} if total else {})
    if filters.title_level is not None:
        tally.per_dimension[Dimension.TITLE] = Counter({filters.title_level: total} if total else {})
    return Census(
        total=total, breakdowns=breakdowns(tally, paths), method=method, as_of=as_of,
        refreshed_at=refreshed_at, scope_label=scope_label(user, action, filters),
        filters_label=filters_label(filters),
    )


# --- breakdowns ----------------------------------------------------------------------------------


def _rows(counts: Counter[str], labels: dict[str, str], order: list[str], total: int) -> list[Row]:
    rank = {v: i for i, v in enumerate(order)}
    values = sorted((v for v, n in counts.items() if n), key=lambda v: (rank.get(v, len(order)), v == "", v))
    return [Row(v, labels.get(v, v or str(UNKNOWN)), counts[v], round(100 * counts[v] / total, 1) if total else 0.0)
            for v in values]


@dataclass
class Places:
    """Where each organisation lies (city and county region codes, "" when above that level) and its kind."""

    city: dict[int, str]
    county: dict[int, str]
    kind: dict[int, int]
    regions: dict[str, str]  # code -> name


def places(org_ids: Iterable[int]) -> Places:
    ids = set(org_ids)
    region_rows = list(Region.objects.values_list("id", "code", "name", "level", "parent_id"))
    by_id = {r[0]: r for r in region_rows}

    def ancestor(region_id: int | None, level: str) -> str:
        while region_id is not None:
            row = by_id.get(region_id)
            if row is None:
                return ""
            if row[3] == level:
                return str(row[1])
            region_id = row[4]
        return ""

    orgs_qs = Organisation.objects.order_by()
    if len(ids) <= 500:  # a long IN list costs more than reading the (thousands of) organisations
        orgs_qs = orgs_qs.filter(pk__in=ids)
    orgs = [o for o in orgs_qs.values_list("id", "path", "region_id", "kind_id") if o[0] in ids]
    # An organisation without a region lies where its nearest ancestor with one lies.
    missing = {p[: k * Organisation.steplen] for _i, p, r, _k in orgs if r is None
               for k in range(1, len(p) // Organisation.steplen)}
    inherited = dict(Organisation.objects.filter(path__in=missing, region__isnull=False)
                     .values_list("path", "region_id")) if missing else {}
    out = Places({}, {}, {}, {str(r[1]): str(r[2]) for r in region_rows})
    for org_id, path, region_id, kind_id in orgs:
        if region_id is None:
            for k in range(len(path) // Organisation.steplen - 1, 0, -1):
                region_id = inherited.get(path[: k * Organisation.steplen])
                if region_id is not None:
                    break
        out.city[org_id] = ancestor(region_id, Level.CITY)
        out.county[org_id] = ancestor(region_id, Level.COUNTY)
        out.kind[org_id] = kind_id
    return out


def breakdowns(tally: Tally, paths: list[str] | None) -> list[Breakdown]:
    total = tally.total
    where = places(tally.per_org)
    cities: Counter[str] = Counter()
    counties: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for org, n in tally.per_org.items():
        cities[where.city.get(org, "")] += n
        counties[where.county.get(org, "")] += n
        kinds[str(where.kind.get(org, ""))] += n
    region_labels = dict(where.regions)
    out = [Breakdown("city", _("地区（市）"),
                     _rows(cities, {**region_labels, "": _("省本级")}, sorted(region_labels), total))]
    if one_city(paths):
        out.append(Breakdown("county", _("地区（县、区）"),
                             _rows(counties, {**region_labels, "": _("市本级")}, sorted(region_labels), total)))
    per = tally.per_dimension
    out.append(Breakdown("age", _("年龄段"), _rows(
        per[Dimension.AGE], {v: str(label) for v, label, _l in AGE_BANDS}, [v for v, _a, _b in AGE_BANDS], total)))
    out.append(Breakdown("gender", _("性别"), _rows(
        per[Dimension.GENDER], {str(v): str(label) for v, label in Gender.choices}, list(Gender.values), total)))
    titles = {str(v): str(label) for v, label in TitleLevel.choices}
    titles[""] = _("无职称")
    out.append(Breakdown("title", _("职称级别"), _rows(
        per[Dimension.TITLE], titles, [v for v in TitleLevel.values if v], total)))
    out.append(Breakdown("education", _("学历"), _rows(
        per[Dimension.EDUCATION], {str(v): str(label) for v, label in Education.choices if v},
        [v for v in Education.values if v], total)))
    codes = [c for c in per[Dimension.DISCIPLINE] if c]
    names = {d.code: str(d) for d in Discipline.objects.filter(code__in=codes)}  # in the interface language
    out.append(Breakdown("discipline", _("一级学科"), _rows(per[Dimension.DISCIPLINE], names, sorted(names), total)))
    kind_rows = list(OrgKind.objects.order_by("sort", "code"))
    out.append(Breakdown("kind", _("组织类型"), _rows(
        kinds, {str(k.pk): k.label for k in kind_rows}, [str(k.pk) for k in kind_rows], total)))
    return out


def one_city(paths: list[str] | None) -> bool:
    """The county breakdown is shown when everything counted lies under organisations of one city."""
    if not paths:
        return False
    orgs = list(Organisation.objects.filter(path__in=paths).values_list("id", flat=True))
    cities = set(places(orgs).city.values())
    return len(orgs) == len(paths) and len(cities) == 1 and "" not in cities


def scope_label(user: Any, action: str, filters: Filters) -> str:
    if filters.org is not None:
        return filters.org.name
    paths = scope_paths(user, action)
    if paths is None:
        return _("全部组织")
    if not paths:
        return _("无")
    names = list(Organisation.objects.filter(path__in=paths).order_by("path").values_list("name", flat=True)[:20])
    sep = _("、")
    return sep.join(names) + ("…" if len(paths) > len(names) else "")


def filters_label(filters: Filters) -> list[tuple[str, str]]:
    disc = _("全部")
    if filters.discipline == "":
        disc = str(UNKNOWN)
    elif filters.discipline:
        found = Discipline.objects.filter(code=filters.discipline).first()
        disc = str(found) if found else filters.discipline
    title = _("全部")
    if filters.title_level == "":
        title = _("无职称")
    elif filters.title_level:
        title = str(TitleLevel(filters.title_level).label)
    return [(_("组织"), filters.org.name if filters.org else _("全部（本人权限范围）")),
            (_("一级学科"), disc), (_("职称级别"), title)]


def export_sheets(census: Census) -> Iterator[tuple[str, list[str], list[list[Any]]]]:
    """The workbook: a sheet stating scope, filters and dates, then one sheet per breakdown."""
    info: list[list[Any]] = [[_("统计范围"), census.scope_label]]
    info += [[label, value] for label, value in census.filters_label]
    info.append([_("去重科技工作者总数"), census.total])
    info.append([_("年龄计算日期"), census.as_of])
    if census.refreshed_at is not None:
        info.append([_("数据更新于"), timezone.localtime(census.refreshed_at).replace(tzinfo=None)])
    else:
        info.append([_("数据更新于"), _("实时统计")])
    info.append([_("导出时间"), timezone.localtime().replace(tzinfo=None)])
    yield _("说明"), [_("项目"), _("内容")], info
    for b in census.breakdowns:
        rows: list[list[Any]] = [[r.label, r.n, r.share] for r in b.rows]
        rows.append([_("合计"), census.total, 100.0 if census.total else 0.0])
        yield b.title, [b.title, _("人数"), _("占比（%）")], rows


# --- the refresh ---------------------------------------------------------------------------------


def _slices() -> list[tuple[bool, bool, list[str]]]:
    """(by discipline, by title level, dimensions) per slice; a column a slice filters on needs no rows."""
    out = []
    for by_disc in (False, True):
        for by_title in (False, True):
            dims = [Dimension.TOTAL, Dimension.AGE, Dimension.GENDER, Dimension.EDUCATION]
            if not by_title:
                dims.append(Dimension.TITLE)
            if not by_disc:
                dims.append(Dimension.DISCIPLINE)
            out.append((by_disc, by_title, [str(d) for d in dims]))
    return out


_DIM_COLUMN = {"total": None, "age": "age", "gender": "gender", "edu": "edu", "title": "title", "disc": "disc"}


def refresh(as_of: dt.date | None = None) -> CensusState:
    """Rebuild the summary set-based: one GROUP BY over the live people into a temporary cube, then one
    INSERT … SELECT per slice and dimension from the cube. Readers keep the previous figures until the
    transaction commits."""
    as_of = as_of or today()
    started = time.perf_counter()
    person, pd, disc = Person._meta.db_table, PersonDiscipline._meta.db_table, Discipline._meta.db_table
    table = CensusCount._meta.db_table
    bands = " ".join(f"WHEN p.birth_date <= %s THEN '{value}'" for value, _l, _lower in AGE_BANDS[:0:-1])
    cutoffs = [years_before(as_of, lower) for _v, _l, lower in AGE_BANDS[:0:-1]]
    pg = connection.vendor == "postgresql"
    with transaction.atomic():
        state = CensusState.objects.select_for_update().order_by("pk").first()
        with connection.cursor() as cur:
            if pg:
                cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("DROP TABLE IF EXISTS census_cube")
            cur.execute(
                f"CREATE TEMPORARY TABLE census_cube AS "
                f"SELECT p.org_id AS org_id, p.org_path AS org_path, COALESCE(d.disc, '') AS disc, "
                f"p.title_level AS title, CASE WHEN p.birth_date IS NULL THEN '' {bands} "
                f"ELSE '{AGE_BANDS[0][0]}' END AS age, p.gender AS gender, p.education AS edu, COUNT(*) AS n "
                f"FROM {person} p LEFT JOIN (SELECT pd.person_id AS person_id, MIN(SUBSTR(dd.code, 1, 3)) AS disc "
                f"FROM {pd} pd JOIN {disc} dd ON dd.id = pd.discipline_id WHERE pd.is_primary "
                f"GROUP BY pd.person_id) d ON d.person_id = p.id "
                f"WHERE p.deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6, 7",
                cutoffs,
            )
            cur.execute(f"DELETE FROM {table}")
            for by_disc, by_title, dims in _slices():
                for dim in dims:
                    column = _DIM_COLUMN[dim]
                    group = ["org_id", "org_path"] + (["disc"] if by_disc else []) + (["title"] if by_title else [])
                    group += [column] if column else []
                    cur.execute(
                        f"INSERT INTO {table} (org_id, org_path, discipline, title_level, dimension, value, n) "
                        f"SELECT org_id, org_path, {'disc' if by_disc else '%s'}, {'title' if by_title else '%s'}, "
                        f"%s, {column or '%s'}, SUM(n) FROM census_cube GROUP BY {', '.join(group)}",
                        [p for p in (None if by_disc else ANY, None if by_title else ANY) if p is not None]
                        + [dim] + ([] if column else [""]),
                    )
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            rows = int(cur.fetchone()[0])
            cur.execute(f"SELECT COALESCE(SUM(n), 0) FROM {table} WHERE discipline = %s AND title_level = %s "
                        f"AND dimension = %s", [ANY, ANY, Dimension.TOTAL.value])
            people = int(cur.fetchone()[0])
            cur.execute("DROP TABLE census_cube")
        if state is None:
            state = CensusState(refreshed_at=timezone.now(), as_of=as_of)
        state.refreshed_at, state.as_of, state.people, state.rows = timezone.now(), as_of, people, rows
        state.seconds = round(time.perf_counter() - started, 2)
        state.save()
    if pg and not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute(f"VACUUM ANALYZE {table}")  # visibility map for index-only scans, fresh statistics
    return state


REFRESH_DELAY = dt.timedelta(minutes=5)


def refresh_waiting() -> bool:
    """A summary refresh is queued and has not started yet (database task backend)."""
    from django_tasks_db.models import DBTaskResult

    from kexie.census.tasks import refresh_census_task

    return DBTaskResult.objects.filter(task_path=refresh_census_task.module_path, status="READY").exists()


def schedule_refresh() -> None:
    """After a bulk change (an import, its rollback, merges): once the change commits, queue one summary
    refresh a few minutes later, unless one is already waiting — a run of imports or merges costs one
    refresh, not one each. The large-scope census shows the new figures from then on (small scopes are
    counted live). With a backend that cannot defer tasks the refresh runs at once."""
    from kexie.census.tasks import refresh_census_task

    def enqueue() -> None:
        if not refresh_census_task.get_backend().supports_defer:
            refresh_census_task.enqueue()
        elif not refresh_waiting():
            refresh_census_task.using(run_after=timezone.now() + REFRESH_DELAY).enqueue()

    transaction.on_commit(enqueue)
    from kexie.innovation.tasks import schedule_index_rebuild

    schedule_index_rebuild()  # the expert-matching index reads the same registry
