"""Denormalised organisation paths are declared by their type (``PathField``) and every one of them follows
an organisation move, whatever the column is called (``society_path``, ``need_path``, ``expert_path`` once
went stale because only ``org_path`` and ``scope_path_field`` were found by name)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from kexie.core.fields import PathField
from kexie.orgs import services
from kexie.orgs.models import Organisation


def _path_like_columns() -> set[tuple[str, str]]:
    found = set()
    for model in apps.get_models():
        if model is Organisation or not model._meta.managed or model._meta.proxy:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField) and f.name.endswith("_path"):
                found.add((model._meta.label, f.name))
    return found


def test_every_path_column_is_declared_as_a_path_field():
    declared = {(m._meta.label, c) for m, c in services.path_columns()}
    assert _path_like_columns() <= declared, _path_like_columns() - declared
    assert {("innovation.Dispatch", "society_path"), ("innovation.ServiceRecord", "need_path"),
            ("innovation.Introduction", "expert_path")} <= declared
    for model, column in services.path_columns():
        assert isinstance(model._meta.get_field(column), PathField)


def _stale() -> dict[str, int]:
    """Rows whose path column names no organisation of the tree."""
    paths = Organisation.objects.values("path")
    out = {}
    for model, column in services.path_columns():
        n = model._base_manager.exclude(**{column: ""}).exclude(**{f"{column}__in": paths}).count()
        if n:
            out[f"{model._meta.label}.{column}"] = n
    return out


def _rows_under(path: str) -> dict[str, int]:
    out = {}
    for model, column in services.path_columns():
        n = model._base_manager.filter(**{f"{column}__startswith": path}).count()
        if n:
            out[f"{model._meta.label}.{column}"] = n
    return out


@pytest.mark.django_db
def test_every_path_column_follows_a_move(province):
    """Move the society that holds the most denormalised rows (dispatches, service records, memberships …)
    under city A: afterwards no path column of any model names a path that left the tree."""
    from kexie.innovation.models import Dispatch

    dispatch = Dispatch.objects.exclude(society_path="").order_by("pk").first()
    assert dispatch is not None, "the demo seeds dispatches to societies"
    society = Organisation.objects.get(path=dispatch.society_path)
    assert _stale() == {}
    before = _rows_under(society.path)
    assert "innovation.Dispatch.society_path" in before

    moved = services.move(province["users"]["demo-province"], society, province["city_a"])

    assert _stale() == {}, "a path column kept an old path"
    after = _rows_under(moved.path)
    audit = "core.AuditEntry.scope_path"  # the move itself adds one audit row under the new path
    assert after.pop(audit) == before.pop(audit, 0) + 1
    assert after == before
    dispatch.refresh_from_db()
    assert dispatch.society_path == moved.path


@pytest.mark.django_db
def test_the_admin_cannot_move_or_edit_organisations(province, django_user_model):
    """treebeard's admin moved nodes without rewriting the copied paths: the admin is read-only for the tree."""
    from django.test import Client

    django_user_model.objects.create_superuser("root-admin", password="Kx-2026-strong-pass")
    client = Client()
    client.force_login(django_user_model.objects.get(username="root-admin"))
    county = Organisation.objects.filter(path__startswith=province["city_a"].path, depth=3).first()
    before = Organisation.objects.get(pk=county.pk).path
    page = client.get(f"/admin/orgs/organisation/{county.pk}/change/")
    assert page.status_code == 200 and "_position" not in page.content.decode()
    resp = client.post(f"/admin/orgs/organisation/{county.pk}/change/",
                       {"name": "改名", "_position": "first-child", "_ref_node_id": province["city_b"].pk})
    assert resp.status_code == 403
    resp = client.post("/admin/orgs/organisation/move/", {"node_id": county.pk, "sibling_id": province["city_b"].pk,
                                                          "as_child": 1})
    assert resp.status_code in (302, 403, 404)  # no move view: "move" reads as a missing object id
    assert client.post(f"/admin/orgs/organisation/{county.pk}/delete/", {"post": "yes"}).status_code == 403
    county.refresh_from_db()
    assert county.path == before and county.name != "改名"
