"""Accessibility basics (issue 15 item 12): every error message and help text is tied to its field. Every page
that tests/test_pages.py walks — for every demo account and anonymous visitors, with the city-B records as path
ids — and every form on those pages posted empty (so that its errors render) names in aria-describedby,
aria-labelledby, aria-controls and <label for> only ids that the page has (tests/a11y.py)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import Client

from tests.a11y import dangling_references
from tests.conftest import login
from tests.test_pages import DEMO_ACCOUNTS, _groups
from tests.test_scope import GROUP, ROUTES, TABLE, _address, b_records  # noqa: F401  (b_records: a fixture)

POST_FORM = re.compile(r'<form\b[^>]*\bmethod="post"[^>]*>', re.I)
ACTION = re.compile(r'\baction="([^"]*)"')


def _posts_to_itself(html: str, url: str) -> bool:
    """The page has a POST form whose action is the page itself (so an empty POST shows that form's errors)."""
    for tag in POST_FORM.findall(html):
        action = ACTION.search(tag)
        if action is None or action.group(1) in ("", url, url.split("?")[0]):
            return True
    return False


def _html(resp) -> str | None:
    if resp.status_code in (200, 400) and resp.get("Content-Type", "").startswith("text/html"):
        return resp.content.decode(errors="replace")
    return None


def test_the_check_finds_a_reference_without_its_element():
    html = ('<label for="id_name">姓名</label><input id="id_name" aria-describedby="id_name_helptext id_name_error">'
            '<small id="id_name_helptext">帮助</small><span aria-labelledby="nowhere"></span>')
    assert dangling_references(html) == ["input[aria-describedby]=id_name_error", "span[aria-labelledby]=nowhere"]
    assert dangling_references(html + '<small id="id_name_error">错误</small><b id="nowhere"></b>') == []


class _Sample(forms.Form):
    name = forms.CharField(label="姓名", help_text="与身份证一致", max_length=5)
    phone = forms.CharField(label="手机号", required=False)


def test_the_shared_form_include_ties_help_and_errors_to_their_field():
    form = _Sample(data={"name": "太长的一个名字", "phone": ""})
    assert not form.is_valid()
    html = render_to_string("includes/form.html", {"form": form})
    assert 'aria-describedby="id_name_helptext id_name_error"' in html and 'aria-invalid="true"' in html
    assert 'id="id_name_helptext"' in html and re.search(r'<small class="error" id="id_name_error" role="alert">', html)
    assert dangling_references(html) == []
    assert "aria-invalid" not in html.split('id="id_phone"')[1].split(">")[0]  # a valid field is not marked


@pytest.mark.django_db
@pytest.mark.parametrize("group", _groups())
def test_no_page_names_an_id_it_does_not_have(group, b_records, province):  # noqa: F811
    problems: list[str] = []
    clients = {name: login(name) for name in DEMO_ACCOUNTS}
    clients["anonymous"] = Client()
    for name in sorted(ROUTES):
        if GROUP[name] != group or ROUTES[name][0].startswith("api/"):
            continue
        kind, key = TABLE[name]
        pk = b_records[key].pk if key and key in b_records else 1
        url = _address(ROUTES[name][0], pk)
        for who, client in clients.items():
            html = _html(client.get(url))
            if html is None:
                continue
            if missing := dangling_references(html):
                problems.append(f"{who} GET {url}: {', '.join(sorted(set(missing)))}")
            if _posts_to_itself(html, url):
                posted = _html(client.post(url, {}))
                if posted is not None and (missing := dangling_references(posted)):
                    problems.append(f"{who} POST {url}: {', '.join(sorted(set(missing)))}")
    assert not problems, "\n".join(problems)
