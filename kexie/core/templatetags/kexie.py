from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_without(context, *names: str) -> str:
    """The current query string minus ``names`` (e.g. the page number), URL-encoded."""
    params = context["request"].GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
