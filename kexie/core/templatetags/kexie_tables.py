"""``{% filter cell_labels:table %}…{% endfilter %}`` around a list's row partial: each cell gets the label of
its column (``data-label``), which the phone layout of ``templates/components/table.html`` shows beside the
value when the rows reflow to cards (static/kexie/app.css, below 600 px)."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_CELL = re.compile(r"<(td|th)(?=[\s>])([^>]*)>", re.I)
_SPAN = re.compile(r"""colspan\s*=\s*["']?(\d+)""", re.I)


@register.filter(is_safe=True)
def cell_labels(html: str, table: Any) -> SafeString:
    """The rendered rows with ``data-label="<column label>"`` on every cell, in column order (a cell with a
    ``colspan`` takes the labels it spans: the first is shown); a row of more cells than columns keeps the
    rest unlabelled. Rows are the site's own templates, so a start-tag pattern is enough."""
    labels = [str(h.label) for h in table.headers]
    index = 0

    def label(match: re.Match[str]) -> str:
        nonlocal index
        tag, attrs = match.group(1), match.group(2)
        span = int(m.group(1)) if (m := _SPAN.search(attrs)) else 1
        text = labels[index] if index < len(labels) else ""
        index += max(span, 1)
        if "data-label" in attrs or not text:
            return match.group(0)
        return f'<{tag} data-label="{escape(text)}"{attrs}>'

    out = []
    for row in re.split(r"(?=<tr[\s>])", str(html)):
        index = 0
        out.append(_CELL.sub(label, row))
    return mark_safe("".join(out))  # noqa: S308 - the input is the rendered (escaped) rows; labels escaped
