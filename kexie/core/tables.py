"""One table component for every back-office list: sorting by whitelisted columns, the page's FilterSet,
CappedPaginator pages, the Excel export link carrying the same filters, and an empty state that says what to do
next. Rendered by ``templates/components/table.html``; each page writes its row cells once, as a partial
(``{% partialdef row %}<tr>…</tr>{% endpartialdef %}``) named by ``row_template``.

Why not django-tables2: its paginator counts ``len(BoundRows)``, an uncapped ``COUNT(*)`` over the whole
filtered queryset, which undoes CappedPaginator (KEXIE_LIST_COUNT_CAP) on the lists of millions of people; its
templates and cell renderers would be replaced on every page anyway (pico markup, htmx partials, masks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kexie.core.http import paginate

SORT = "sort"
PAGE = "page"
_QUIET = {SORT, PAGE}  # query parameters that do not narrow a list


@dataclass(frozen=True)
class Column:
    """A table column: ``key`` names it in ``?sort=key`` / ``?sort=-key``; ``order`` is the whitelist of
    database fields (or, for a list of objects, attribute names) it sorts by — empty: not sortable."""

    key: str
    label: str | Promise
    order: tuple[str, ...] = ()
    css: str = ""


@dataclass(frozen=True)
class Empty:
    """What an empty list says: what is missing and the next step (a link), e.g. "还没有导入批次" → "上传文件"."""

    message: str | Promise
    next_label: str | Promise = ""
    next_url: str = ""
    filtered: str | Promise = _("没有符合条件的记录。")  # the message when filters are set (then: 清除筛选条件)


@dataclass(frozen=True)
class Header:
    label: str | Promise
    css: str
    url: str  # the sort link ("" for a column that does not sort)
    state: str  # "ascending" / "descending" / "" (the aria-sort value)


class Table:
    """``Table(request, rows, columns, row_template=…)``: ``rows`` is the page's queryset (already in scope and
    filtered — pass ``filterset`` to render its form and to tell a filtered empty list from an empty one) or a
    list of objects. ``default`` is the ordering when ``?sort`` names no allowed column (a bad value is ignored,
    never an error)."""

    def __init__(self, request: Any, rows: QuerySet[Any] | Sequence[Any], columns: Sequence[Column], *,
                 row_template: str, filterset: Any = None, per_page: int = 50, export_url: str = "",
                 empty: Empty | None = None, table_id: str = "", export_id: str = "export-link",
                 default: Sequence[str] = ()) -> None:
        self.request = request
        self.columns = list(columns)
        self.row_template = row_template
        self.filterset = filterset
        self.table_id = table_id
        self.export_id = export_id
        self.sort, self.descending = self._sort_param(request.GET.get(SORT))
        rows = self._ordered(rows, default)
        self.page = paginate(request, rows, per_page)
        self.filtered = any(v.strip() for k, vs in request.GET.lists() if k not in _QUIET for v in vs)
        self.empty = empty or Empty(_("暂无记录。"))
        self.export_url = f"{export_url}?{self.query(PAGE)}" if export_url else ""
        self.clear_url = request.path

    # -- sorting ---------------------------------------------------------------------------------------------

    def _sort_param(self, value: str | None) -> tuple[str, bool]:
        text = (value or "").strip()
        key = text.removeprefix("-")
        if any(c.key == key and c.order for c in self.columns):
            return key, text.startswith("-")
        return "", False

    def _ordered(self, rows: QuerySet[Any] | Sequence[Any],
                 default: Sequence[str]) -> QuerySet[Any] | Sequence[Any]:
        if not self.sort:
            return rows.order_by(*default) if default and isinstance(rows, QuerySet) else rows
        fields = next(c.order for c in self.columns if c.key == self.sort)
        if isinstance(rows, QuerySet):
            sign = "-" if self.descending else ""
            return rows.order_by(*(sign + f for f in fields), sign + "pk")  # pk: pages stay stable
        return sorted(rows, key=lambda r: tuple(_sort_key(_attr(r, f)) for f in fields), reverse=self.descending)

    # -- what the template reads -----------------------------------------------------------------------------

    def query(self, *without: str, **extra: str) -> str:
        params: QueryDict = self.request.GET.copy()
        for name in without:
            params.pop(name, None)
        for name, value in extra.items():
            params[name] = value
        return params.urlencode()

    @property
    def headers(self) -> list[Header]:
        out = []
        for c in self.columns:
            if not c.order:
                out.append(Header(c.label, c.css, "", ""))
                continue
            active = c.key == self.sort
            state = ("descending" if self.descending else "ascending") if active else ""
            target = c.key if not active or self.descending else "-" + c.key
            out.append(Header(c.label, c.css, "?" + self.query(PAGE, **{SORT: target}), state))
        return out

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def empty_message(self) -> str | Promise:
        return self.empty.filtered if self.filtered else self.empty.message

    @property
    def empty_next(self) -> tuple[str | Promise, str]:
        """The next step of an empty list: clear the filters, or what the page says to do first."""
        if self.filtered:
            return _("清除筛选条件"), self.clear_url
        return self.empty.next_label, self.empty.next_url


def _attr(obj: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        obj = getattr(obj, name, None)
    return obj


def _sort_key(value: Any) -> tuple[int, Any]:
    """Python-side sorting of a list: missing values last, numbers and text each in their own order."""
    if value is None or value == "":
        return (2, "")
    if isinstance(value, int | float | Decimal):
        return (0, value)
    return (1, str(value))
