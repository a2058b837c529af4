"""The rows of each export kind (``ExportKind.rows``, declared in the owning app's apps.py): one function per
list, ``rows(user, params, *, ip=None) -> (headers, total, rows)``, shared by the export within the request
and the background job so that both write the same file. Each starts from ``Model.objects.for_user(user,
"<module>.export")`` with the user's scope when it runs and reads the list's filters from ``params`` (the query
string as given: a QueryDict or a dict of lists)."""

from __future__ import annotations

from collections.abc import Mapping
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
