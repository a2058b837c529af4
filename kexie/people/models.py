"""People (科技工作者, SPEC §2.2): profile, disciplines (GB/T 13745), encrypted identifiers."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import BooleanField, Expression, F, OrderBy, Q, Subquery, Sum
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from kexie.core import search
from kexie.core.crypto import EncryptedTextField, mask_id_number, mask_phone
from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel
from kexie.core.scope import ScopedQuerySet, prefix_q


class Discipline(models.Model):
    """学科 (GB/T 13745-2009): 3-digit first level, 5-digit second level."""

    code = models.CharField(_("学科代码"), max_length=7, unique=True)
    name = models.CharField(_("学科名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)  # shown in the English interface (0045)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    sector = models.CharField(_("门类"), max_length=4, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("学科")
        ordering = ["code"]

    def __str__(self) -> str:
        from kexie.people.disciplines import display_name

        return f"{self.code} {display_name(self.name, self.name_en)}"


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class TitleLevel(models.TextChoices):
    NONE = "", _("无")
    SENIOR = "senior", _("正高级")
    VICE_SENIOR = "vice_senior", _("副高级")
    MIDDLE = "middle", _("中级")
    JUNIOR = "junior", _("初级")


class Education(models.TextChoices):
    NONE = "", _("未填")
    DOCTOR = "doctor", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    OTHER = "other", _("其他")


# Scopes up to this many people (own records plus memberships) use the semi-join form of scope_q.
SMALL_SCOPE = 30_000


# PostgreSQL, large scopes, a dense search: up to this many memberships in scope, the membership arm is an array of
# ids read first (``id = ANY(ARRAY(…))``), which the planner can OR with the path range into one bitmap and AND with
# the search index, so a common surname's capped count in a city reads the few thousand matching rows instead of
# filtering a sequential scan (decision 0034, docs/benchmarks.md). Any other query keeps the hashed IN-subquery,
# with which a rare term starts from the search index alone.
MEMBER_ARRAY_MAX = 2000


def _estimated_scope_size(paths: list[str]) -> tuple[int, int]:
    """People whose own organisation lies in scope (the denormalised head counts) and memberships in scope."""
    from kexie.members.models import Membership
    from kexie.orgs.models import Organisation

    own = Organisation.objects.filter(prefix_q("path", paths)).aggregate(n=Sum("people_count"))["n"] or 0
    return own, Membership.objects.filter(prefix_q("org_path", paths)).count()


class _MemberArm(Expression):
    """``id IN (members)``, or on PostgreSQL ``id = ANY(ARRAY(members))`` when the query is a dense search
    (``query.dense_search``, set by ``PersonQuerySet.search``) and the scope's memberships are few (``array``):
    the form is chosen when the SQL is written, so the page and its count share one queryset."""

    conditional = True

    def __init__(self, key: Any, members: Any, array: bool = False) -> None:
        super().__init__(output_field=BooleanField())
        self.key, self.members, self.array = key, members, array

    def get_source_expressions(self) -> list[Any]:
        return [self.key, self.members]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.key, self.members = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        key_sql, key_params = compiler.compile(self.key)
        sub_sql, sub_params = compiler.compile(self.members)
        if self.array and connection.vendor == "postgresql" and getattr(compiler.query, "dense_search", False):
            return f"{key_sql} = ANY(ARRAY{sub_sql})", [*key_params, *sub_params]
        return f"{key_sql} IN {sub_sql}", [*key_params, *sub_params]


# A query matching at least this share of all people walks the primary key on PostgreSQL (decision 0034).
DENSE_SHARE = 0.01
# How long a process keeps the search column's lexeme frequencies (pg_stats) before reading them again.
FREQUENCIES_TTL = 300.0
_frequencies: dict[str, tuple[float, dict[str, float]]] = {}


def lexeme_frequencies(refresh: bool = False) -> dict[str, float]:
    """The commonest search tokens of people and the share of people holding each (PostgreSQL planner
    statistics of ``people_person.search_vector``), cached per process and database for ``FREQUENCIES_TTL``."""
    key = str(connection.settings_dict.get("NAME"))
    now = time.monotonic()
    cached = _frequencies.get(key)
    if refresh or cached is None or now - cached[0] > FREQUENCIES_TTL:
        cached = (now, search.lexeme_frequencies(connection, Person._meta.db_table, Person.search_vector_column))
        _frequencies[key] = cached
    return cached[1]


def search_plan(query: str) -> str:
    """``"walk"`` (primary key, newest first) when the query matches at least ``DENSE_SHARE`` of all people by
    the statistics, else ``"sort"`` (GIN matches, then sorted). Only PostgreSQL asks."""
    return "walk" if search.query_frequency(query, lexeme_frequencies()) >= DENSE_SHARE else "sort"


class PersonQuerySet(ScopedQuerySet["Person"]):
    def alive(self) -> PersonQuerySet:
        return self.filter(deleted_at__isnull=True)

    def managed_by(self, user: object, action: str = "people.change") -> PersonQuerySet:
        """People whose *own* organisation lies in the user's scope for ``action``. A society reaches its
        members through ``for_user`` (to see them), but changes a person's profile only where it holds the
        record itself: a membership gives the society its membership record, not the person."""
        from kexie.core.scope import scope_paths

        paths = scope_paths(user, action)
        if paths is None:
            return self
        return self.filter(prefix_q("org_path", paths)) if paths else self.none()

    def search(self, query: str) -> PersonQuerySet:
        """Full-text match on name, employer, title and expertise, newest first.

        SQLite checks each row against the FTS5 match list cheaply, so walking the primary key is its
        faster plan (measured: p50 45 ms against 127 ms for a term with 6,600 hits). On PostgreSQL the
        plan follows the term's frequency (``search_plan``, decision 0034), because the planner does not
        choose well on its own: a dense term (a common surname: every 14th person) walks the key newest
        first, checking each row's stored ``search_vector``, and stops after a page; a rarer one is
        ordered by ``id + 0``, an expression no index provides, so the database starts from the GIN
        index's matches and sorts those (walking the key for a 4-hit term read the whole table: 4.6 s).
        Both orders return the same rows."""
        qs = self.filter(search_text__tokens=query)
        if connection.vendor == "postgresql":
            if search_plan(query) == "sort":
                return qs.order_by(OrderBy(F("id") + 0, descending=True))
            qs.query.dense_search = True  # type: ignore[attr-defined]  # read by _MemberArm; copied with the query
        return qs.order_by("-id")


class Person(SoftDeleteModel):
    """科技工作者. Scope: the organisation holding the record (``org``) and every society where
    the person holds a membership."""

    name = models.CharField(_("姓名"), max_length=40, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_hash = models.CharField(max_length=32, blank=True, editable=False)
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_hash = models.CharField(max_length=32, blank=True, editable=False)  # indexed: person_phone_hash
    email = models.EmailField(_("电子邮箱"), blank=True)
    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="people", verbose_name=_("所属组织")
    )
    org_path = PathField(max_length=255, editable=False)  # indexed with id: person_org_path_id
    employer = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="employees", verbose_name=_("工作单位（平台内）"),
    )
    employer_name = models.CharField(_("工作单位"), max_length=120, blank=True)
    position = models.CharField(_("职务"), max_length=60, blank=True)
    title = models.CharField(_("职称"), max_length=40, blank=True)
    title_level = models.CharField(_("职称级别"), max_length=12, choices=TitleLevel.choices, blank=True)
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices, blank=True)
    disciplines = models.ManyToManyField(Discipline, through="PersonDiscipline", verbose_name=_("学科"), blank=True)
    expertise = models.JSONField(_("专业特长"), default=list, blank=True)
    bio = models.TextField(_("个人简介"), blank=True, max_length=5000)
    honours = models.JSONField(_("荣誉"), default=list, blank=True)
    public_profile = models.BooleanField(_("同意公开专家信息"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="person", verbose_name=_("平台账号"),
    )
    search_text = models.TextField(blank=True, editable=False)
    # PostgreSQL: search_text as a stored generated tsvector under the GIN index (migration 0008), which the
    # __tokens lookup reads (kexie.core.search); no model field, so no write ever names it.
    search_vector_column = "search_vector"
    # Set when identity resolution merged this record into another (kexie.identity); the record is soft-deleted.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, editable=False,
                                    related_name="merged_from", verbose_name=_("已合并至"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    AUDIT_FIELDS = (
        "name", "gender", "birth_date", "ethnicity", "id_number", "phone", "email", "org", "employer",
        "employer_name", "position", "title", "title_level", "education", "expertise", "bio", "honours",
        "public_profile",
    )

    class Meta:
        verbose_name = verbose_name_plural = _("科技工作者")
        constraints = [
            models.UniqueConstraint(
                fields=["id_hash"], condition=~Q(id_hash="") & Q(deleted_at__isnull=True),
                name="person_id_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["org_path", "id"], name="person_org_path_id"),
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        """Own organisation in scope, or a membership in a society in scope. The query shape depends
        on the scope's size (estimated from the denormalised head counts, two index reads), measured
        at 1,000,000 people in docs/benchmarks.md:

        - small scopes (township, enterprise, society): one semi-join over ``own UNION ALL members``,
          two index-only range scans and a primary-key loop. As an ``IN … OR IN …`` pair PostgreSQL
          can only filter a sequential scan (a township's capped count read the whole table, 417 ms
          against 23 ms).
        - large scopes: the own-organisation arm as a plain range on the row itself and the membership
          arm as an IN-subquery, so a page walks the primary key and stops at its end instead of first
          hashing (PostgreSQL) or sorting (SQLite) tens of thousands of ids: city count 59 → 28 ms on
          PostgreSQL, 67 → 16 ms on SQLite; first page 53 → 2 ms on SQLite. On SQLite the arm is
          ``(id + 0) IN (…)``, which keeps it from building the list before walking the key."""
        from kexie.members.models import Membership

        own = Person.objects.filter(prefix_q("org_path", paths)).values("id")
        members = Membership.objects.filter(prefix_q("org_path", paths)).values("person_id")
        own_count, member_count = _estimated_scope_size(paths)
        if own_count + member_count <= SMALL_SCOPE:
            return Q(id__in=own.union(members, all=True))
        if connection.vendor == "sqlite":
            return prefix_q("org_path", paths) | Q(In(F("id") + 0, members))
        return prefix_q("org_path", paths) | Q(_MemberArm(F("id"), Subquery(members), member_count <= MEMBER_ARRAY_MAX))

    @classmethod
    def public_q(cls) -> Q:
        """The public expert finder (``for_public``): people who consented to a public profile
        (``public_profile``), not deleted and not merged into another record. Withdrawing consent hides the
        profile at once (decision 0032)."""
        return Q(public_profile=True, deleted_at__isnull=True, merged_into__isnull=True)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = dt.date.today()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


class PersonDiscipline(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, db_index=False)  # person_discipline_unique
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT)
    is_primary = models.BooleanField(_("主学科"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "discipline"], name="person_discipline_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.discipline_id}"
