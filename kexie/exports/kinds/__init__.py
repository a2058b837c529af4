"""The rows of each export kind (``ExportKind.rows``, declared in the owning app's apps.py): one function per
list, ``rows(user, params, *, ip=None) -> (headers, total, rows)``, shared by the export within the request
and the background job so that both write the same file. Each starts from ``Model.objects.for_user(user,
"<module>.export")`` with the user's scope when it runs and reads the list's filters from ``params`` (the query
string as given: a QueryDict or a dict of lists)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _


class FilterRequest:
    """What a FilterSet reads of a request (its ``user``) when it runs outside one."""

    def __init__(self, user: Any) -> None:
        self.user = user


def query_dict(params: Mapping[str, Any]) -> QueryDict:
    if isinstance(params, QueryDict):
        return params
    q = QueryDict(mutable=True)
    for key, values in params.items():
        q.setlist(key, list(values) if isinstance(values, list | tuple) else [values])
    return q


def filtered(filterset_class: Any, params: Mapping[str, Any], qs: Any, user: Any) -> Any:
    """The FilterSet's queryset, or ValidationError (a Chinese message) for bad filters."""
    f = filterset_class(query_dict(params), queryset=qs, request=FilterRequest(user))
    if not f.is_valid():
        raise ValidationError(_("筛选条件有误，无法导出。"))
    return f.qs


def first(params: Mapping[str, Any], key: str) -> str:
    value = query_dict(params).get(key)
    return str(value) if value is not None else ""


Part = tuple[int | None, int | None]  # (after, upto): the rows with after < pk <= upto; None leaves that end open


def partitioned(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a kind's ``rows`` as taking ``part=`` (a slice by primary key) and its module as having
    ``split(user, params, total, parts)``: such exports may be written by several worker processes."""
    fn.partitioned = True  # type: ignore[attr-defined]
    return fn


def part_filter(qs: Any, part: Part) -> Any:
    after, upto = part
    if after is not None:
        qs = qs.filter(pk__gt=after)
    if upto is not None:
        qs = qs.filter(pk__lte=upto)
    return qs


def descending_parts(qs: Any, total: int, parts: int) -> list[Part]:
    """Slices of a list ordered by descending primary key, about ``total / parts`` rows each, in that order:
    each boundary is the key of a slice's first row (one indexed OFFSET query each). The first slice is open
    above and the last below, so rows added meanwhile still land in exactly one slice."""
    keys = qs.order_by("-pk").values_list("pk", flat=True)
    bounds: list[int] = []
    for i in range(1, parts):
        rank = total * i // parts
        if rank <= 0:
            continue
        found = list(keys[rank: rank + 1])
        if not found:
            break
        if not bounds or found[0] < bounds[-1]:
            bounds.append(found[0])
    edges: list[int | None] = [None, *bounds, None]
    # slice i: edges[i + 1] < pk <= edges[i] (the first row of slice i + 1 is the largest key below slice i)
    return [(edges[i + 1], edges[i]) for i in range(len(edges) - 1)]
