from collections.abc import Iterable

from django import template
from django.http import HttpRequest
from django.template.context import Context

from kexie.core import text

register = template.Library()


@register.simple_tag(takes_context=True)
def query_without(context: Context, *names: str) -> str:
    """The current query string minus ``names`` (e.g. the page number), URL-encoded."""
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@register.filter
def join_list(value: Iterable[object] | None) -> str:
    """``{{ names|join_list }}``: the items with the list separator of the active language ("、" in
    Chinese, ", " in English). The result is escaped on output like any other value."""
    return text.join_list(value or ())


@register.filter
def allows(obj: object, name: str) -> bool:
    """``{% if app|allows:"withdraw" %}``: the record's declared workflow (core.workflow) allows the transition
    from its current status. Permission stays with the view; this is the state rule only."""
    from kexie.core.workflow import workflow_of

    return workflow_of(obj).allows(obj, name)


@register.simple_tag
def status_badge(value: object, label: object = None) -> str:
    """``{% status_badge obj.status obj.get_status_display %}``: the one badge of a status, coloured by the tone
    kexie.core.badges gives its value (the same in every module)."""
    from django.utils.html import format_html

    from kexie.core.badges import tone

    return format_html('<span class="badge status status-{}" data-status="{}">{}</span>', tone(value),
                       value or "", value if label is None else label)


@register.simple_tag
def crumbs(*items: object) -> list[tuple[object, str]]:
    """``{% crumbs label1 "app:name" label2 "/path/" … as trail %}`` for components/page_header.html: pairs of a
    label and a URL name (reversed without arguments) or a path; an empty URL shows the label unlinked."""
    from django.urls import NoReverseMatch, reverse

    pairs: list[tuple[object, str]] = []
    for i in range(0, len(items) - 1, 2):
        label, target = items[i], str(items[i + 1] or "")
        if target and not target.startswith("/"):
            try:
                target = reverse(target)
            except NoReverseMatch:
                target = ""
        pairs.append((label, target))
    return pairs
