"""No input ever gives a server error (SPEC §5): every URL pattern of the site and every API endpoint, as several
roles, with malformed query strings, POST bodies and path ids — huge and negative numbers, non-numeric text, empty
values, NUL characters, over-long strings, bad dates, unknown ordering fields, repeated keys and a file that is no
spreadsheet. Any 5xx answer is collected; the test fails with the list.

The parameter names are the ones the code reads: every ``request.GET``/``request.POST`` key in the views, every
field of the forms and filter sets. The values that choose a branch (``action``, ``verdict`` …) are tried with each
literal the view compares them with, so that the branches behind them see the malformed values too. Path ids aim at
city-B records (tests/test_scope.py's ``b_records``): the province user reaches the deep code behind them, the
other roles the refusals. Each request runs in a savepoint that is rolled back, so one request's writes (or a
failed statement on PostgreSQL) do not change what the next one sees."""

from __future__ import annotations

import inspect
import logging
import re
import sys
import traceback
from functools import cache
from pathlib import Path
from urllib.parse import quote

import django_filters
import pytest
from django import forms
from django.core.cache import cache as django_cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import got_request_exception
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from tests.test_scope import TABLE, _url, all_patterns, b_records  # noqa: F401  (b_records: a fixture)

ROLES = ["anonymous", "demo-city-a", "demo-province", "demo-society", "demo-scientist", "demo-company"]

HUGE = "1" + "0" * 30
BAD_VALUES = {
    "huge": HUGE,
    "negative": "-1",
    "text": "abc",
    "nul": "a\x00b",  # PostgreSQL refuses NUL in text
    "empty": "",
    "digits": "9" * 5000,  # over-long, and more digits than int() accepts
    "long": "长" * 4100,  # beyond every text field's limit
    "date": "2024-13-45",
}
GET_VALUES = ("negative", "text", "nul", "empty", "date")  # "huge": the probe that comes first
POST_VALUES = ("huge", "negative", "text", "nul", "empty", "long")
# The province user reaches every record, so it runs every value; the other roles run the same parsing code on
# a narrower scope (and their own branches: the enterprise's, the scientist's), with the values that most often
# break it.
SHORT_GET, SHORT_POST = ("text", "nul"), ("huge", "text", "nul")
# Repeated keys: ``get()`` sees the last value (over-long digits), ``getlist()`` all of them.
REPEATED = ["-1", "", "9" * 5000]
FULL_ROLE = "demo-province"
# Parameters whose value chooses a branch of the view: tried with each literal the view compares against.
SWITCHES = ("action", "verdict", "op", "mode", "decision", "recommendation", "vote", "kind", "status", "role")
ROOT = Path(__file__).resolve().parent.parent / "kexie"
READ = re.compile(r"""(?:GET|POST|data|query_params)(?:\.get(?:list)?\(|\[)\s*["']([A-Za-z_][A-Za-z0-9_-]*)["']""")
LITERAL = re.compile(r"""(?:==|!=)\s*["']([a-z][a-z0-9_-]{1,30})["']|\bin\s*[({]([^)}]*)[)}]""")
COMMON = ("page", "page_size", "ordering", "order", "sort", "q", "format", "year", "next", "cursor", "limit",
          "offset", "id", "pk", "ids")


@cache
def parameter_names() -> tuple[str, ...]:
    """Every parameter name the code reads: request reads in the source, form and filter-set fields."""
    names = set(COMMON)
    for path in ROOT.rglob("*.py"):
        names.update(READ.findall(path.read_text(encoding="utf-8")))
    for base in (forms.BaseForm, django_filters.FilterSet):
        stack = list(base.__subclasses__())
        while stack:
            cls = stack.pop()
            stack.extend(cls.__subclasses__())
            if cls.__module__.startswith("kexie."):
                names.update(getattr(cls, "base_fields", {}) or {})
                names.update(getattr(cls, "base_filters", {}) or {})
    return tuple(sorted(names))


@cache
def file_fields() -> tuple[str, ...]:
    names = {"file", "upload"}
    stack = list(forms.BaseForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("kexie."):
            names.update(n for n, f in (getattr(cls, "base_fields", {}) or {}).items()
                         if isinstance(f, forms.FileField))
    return tuple(sorted(names))


def switch_values(callback) -> list[str | None]:
    """The literals a view compares its inputs with (its actions, verdicts …), from its source."""
    target = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    target = inspect.unwrap(target)
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        return [None]
    found: list[str] = []
    for eq, group in LITERAL.findall(source):
        for lit in [eq] if eq else re.findall(r"""["']([a-z][a-z0-9_-]{1,30})["']""", group):
            if lit not in found and lit not in {"post", "get"}:
                found.append(lit)
    return [None, *found[:16]]


def filtersets(callback) -> list[type]:
    """The filter sets a view uses: a viewset's ``filterset_class``, or those its source names."""
    cls = getattr(callback, "cls", None)
    if cls is not None:
        found = getattr(cls, "filterset_class", None)
        return [found] if found is not None else []
    try:
        source = inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return []
    module = inspect.getmodule(inspect.unwrap(callback))
    return [obj for name in set(re.findall(r"\b(\w+Filter)\b", source))
            if isinstance(obj := getattr(module, name, None), type) and issubclass(obj, django_filters.FilterSet)]


def query(value: str, names: tuple[str, ...]) -> dict[str, str]:
    return {n: value for n in names}


def _login(role: str) -> Client:
    from kexie.accounts.models import User

    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(User.objects.get(username=role))
    return client


def _routes(records) -> list[tuple[str, str, str, object]]:
    """(name, url with a real record's pk, url with a malformed id or None, view callback) per pattern."""
    out = []
    for name, route, pattern in all_patterns():
        _kind, key = TABLE.get(name, ("", None))  # test_scope.py insists every name is there
        pk = records[key].pk if key in records else 1
        url = _url(route, pk)
        if route.startswith("api/"):
            url = "/api/v1/" + url.split("api/v1/")[-1]
        url = url.replace("<str:kind>", "people").replace("<drf_format_suffix:format>", ".json")
        bad = []
        if "<int:pk>" in route:
            bad.append(_url(route, HUGE))
        if "(?P<pk>" in route:
            bad += [_url(route, v) for v in (HUGE, "-1", "abc", quote("a\x00b"))]
        if "<str:" in route:
            nul = quote("a\x00")
            bad.append(_url(re.sub(r"<str:\w+>", nul, route), pk))
        fixed = []
        for b in bad:
            if route.startswith("api/"):
                b = "/api/v1/" + b.split("api/v1/")[-1]
            fixed.append(b.replace("<drf_format_suffix:format>", ".json"))
        out.append((name, url, fixed, pattern.callback))
    return out


def _request(client: Client, method: str, url: str, data=None):
    with transaction.atomic():
        resp = getattr(client, method)(url, data or {})
        transaction.set_rollback(True)
    return resp


def _refused(resp) -> bool:
    """The role cannot use the page at all: sign-in redirect, 401/403/404/405."""
    if resp.status_code == 302:
        return resp.headers.get("Location", "").startswith(reverse("login"))
    return resp.status_code in (401, 403, 404, 405)


def _cases(callback, depth: str, read: set[str] | None = None) -> tuple[list[dict], list[dict]]:
    """Query strings and POST bodies for one view: malformed values in every parameter (all of them, the short
    list, or for a role refused the page the two that most often break parsing); each branch literal once, with
    a malformed value in turn."""
    names = parameter_names()
    get_names = names if read is None or "*" in read else tuple(n for n in names if n in read)
    if depth == "refused":
        return [query(BAD_VALUES["text"], get_names)] if get_names else [], \
               [query(HUGE, names), query(BAD_VALUES["text"], names)]
    get_values, post_values = (GET_VALUES, POST_VALUES) if depth == "full" else (SHORT_GET, SHORT_POST)
    gets = [query(BAD_VALUES[label], get_names) for label in get_values] if get_names else []
    if get_names:
        gets.append({n: REPEATED for n in get_names})
    if depth == "full":
        # One filter at a time: an invalid choice elsewhere would stop a filter set before it filters.
        for filterset in filtersets(callback):
            for f in filterset.base_filters:
                gets += [{f: BAD_VALUES[label]} for label in ("huge", "negative", "text", "date")]
    posts = [query(BAD_VALUES[label], names) for label in post_values]
    rotation = [v for v in post_values if v != "nul"]  # a NUL stops the request before any branch
    for i, switch in enumerate(switch_values(callback)[1:]):
        body = query(BAD_VALUES[rotation[i % len(rotation)]], names)
        body.update({s: switch for s in SWITCHES})
        posts.append(body)
    garbage = {n: SimpleUploadedFile("坏文件.xlsx", b"PK\x03\x04\x00garbage" * 10) for n in file_fields()}
    posts.append({**query(HUGE, names), **garbage})
    return gets, posts


class _TrackedQuery(QueryDict):
    """The query string, noting which parameters the view reads (``"*"``: all of them)."""

    read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        self.read.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def items(self):
        self.read.add("*")
        return super().items()

    def dict(self):
        self.read.add("*")
        return super().dict()

    def copy(self):  # for links that keep the query string: not a read
        result = QueryDict(mutable=True, encoding=self.encoding)
        for key, values in super().lists():
            result.setlist(key, values)
        return result


@pytest.fixture
def tracked_query(monkeypatch):
    """``request.GET`` notes the parameters a view reads: a page that reads none is not sent the other values."""

    def get(self):
        if "_fuzz_get" not in self.__dict__:
            raw = self.environ.get("QUERY_STRING", "")
            self.__dict__["_fuzz_get"] = _TrackedQuery(raw.encode("iso-8859-1"), encoding=self._encoding)
        return self.__dict__["_fuzz_get"]

    def set_(self, value):
        self.__dict__["_fuzz_get"] = value

    monkeypatch.setattr(WSGIRequest, "GET", property(get, set_))
    return _TrackedQuery.read


@pytest.fixture
def quiet_errors():
    """Server errors are collected here (exception and the innermost frame of the project) instead of logged."""
    seen: list[str] = []

    def record(sender, request=None, **kwargs):
        exc_type, exc, tb = sys.exc_info()
        where = ""
        for frame, line in traceback.walk_tb(tb):
            if "/kexie/" in frame.f_code.co_filename:
                where = f" at {frame.f_code.co_filename.split('/kexie/')[-1]}:{line}"
        seen.append(f"{exc_type.__name__ if exc_type else '?'}: {str(exc)[:160]}{where}")

    got_request_exception.connect(record)
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield seen
    finally:
        logger.setLevel(level)
        got_request_exception.disconnect(record)


# The province user's walk is the longest: in two halves, so that pytest-xdist can spread it.
CASES = [pytest.param(role, part, parts, id=role if parts == 1 else f"{role}-{part + 1}of{parts}")
         for role in ROLES for parts in [2 if role == FULL_ROLE else 1] for part in range(parts)]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "part", "parts"), CASES)
def test_no_server_error_on_malformed_input(role, part, parts, request, quiet_errors, tracked_query):
    records = request.getfixturevalue("b_records")  # city-B records: tests/test_scope.py
    client = _login(role)
    failures: list[str] = []

    def check(method: str, url: str, data, label: str):
        before = len(quiet_errors)
        resp = _request(client, method, url, data)
        if resp.status_code >= 500:
            why = quiet_errors[before] if len(quiet_errors) > before else ""
            failures.append(f"{method.upper()} {url} [{label}] → {resp.status_code} {why}")
        return resp

    seen_views = set()
    for name, url, bad_urls, callback in _routes(records)[part::parts]:
        django_cache.clear()  # API throttling counts requests per user; this test makes many
        tracked_query.clear()
        probe = check("get", url, query(HUGE, parameter_names()), f"{name} probe")
        read = set(tracked_query)  # what the page reads of its query string
        refused = _refused(probe) and _refused(check("post", url, {}, f"{name} plain"))
        depth = "refused" if refused else "full" if role == FULL_ROLE else "short"
        if (name, callback) in seen_views:
            depth = "refused"  # the API's format-suffix twin of a route already fuzzed
        seen_views.add((name, callback))
        gets, posts = _cases(callback, depth, read)
        for i, data in enumerate(gets):
            check("get", url, data, f"{name} query #{i}")
        for i, data in enumerate(posts):
            check("post", url, data, f"{name} body #{i}")
        for bad in bad_urls:
            check("get", bad, {}, f"{name} path")
            check("post", bad, {}, f"{name} path")
        if role != "anonymous" and "_auth_user_id" not in client.session:
            client = _login(role)  # the logout page signed the client out
    assert not failures, f"{len(failures)} server errors as {role}:\n" + "\n".join(failures)
