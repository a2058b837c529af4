from collections.abc import Iterable

from django import template

from kexie.core import text

register = template.Library()


@register.simple_tag(takes_context=True)
def query_without(context, *names: str) -> str:
    """The current query string minus ``names`` (e.g. the page number), URL-encoded."""
    params = context["request"].GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@register.filter
def join_list(value: Iterable[object] | None) -> str:
    """``{{ names|join_list }}``: the items with the list separator of the active language ("、" in
    Chinese, ", " in English). The result is escaped on output like any other value."""
    return text.join_list(value or ())
