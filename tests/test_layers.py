"""The layers (decision 0020): the import-linter contracts in pyproject.toml hold, they catch the imports they
forbid, every views module is covered; and the scope check, which no longer imports the organisation tree,
still treats a role at every root as unrestricted, without a query, until a root is added."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.urls import reverse

from kexie.core.scope import EVERY_ROOT, scope_paths
from kexie.orgs.models import Organisation

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def contracts() -> list[dict]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["contracts"]


def test_the_layer_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "kexie.core imports no domain app KEPT" in result.stdout


def test_the_contracts_catch_imports_across_layers(tmp_path):
    """The same configuration over a copy of the code with three imports it forbids: each contract breaks."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for package in ("kexie", "bench"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("templates", "static", "locale", "data", "__pycache__"))
    breaks = {
        "kexie/core/text.py": "from kexie.orgs.models import Organisation  # noqa\n",  # the import scope.py had
        "kexie/orgs/forms.py": "from kexie.people import views  # noqa\n",
        "kexie/people/services.py": "import kexie.demo.generator  # noqa\n",
    }
    for name, line in breaks.items():
        with open(tmp_path / name, "a", encoding="utf-8") as f:
            f.write(line)
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    out = result.stdout
    assert "kexie.core imports no domain app BROKEN" in out
    assert "the views of kexie.people are its own BROKEN" in out
    assert "kexie.demo and bench are imported by nothing in kexie BROKEN" in out
    assert "3 broken" in out
    assert "kexie.core.text -> kexie.orgs.models" in out


def test_every_views_module_is_protected_by_its_app():
    protected: dict[str, set[str]] = {}
    for c in contracts():
        if c["type"] == "protected" and c["name"].startswith("the views of "):
            (app,) = c["allowed_importers"]
            protected.setdefault(app, set()).update(c["protected_modules"])
    on_disk: dict[str, set[str]] = {}
    for f in sorted((ROOT / "kexie").glob("*/views*.py")):
        on_disk.setdefault(f"kexie.{f.parent.name}", set()).add(f"kexie.{f.parent.name}.{f.stem}")
    for f in sorted((ROOT / "kexie").glob("*/views/__init__.py")):
        on_disk.setdefault(f"kexie.{f.parent.parent.name}", set()).add(f"kexie.{f.parent.parent.name}.views")
    for f in sorted((ROOT / "kexie").glob("*/*/views*.py")):  # an app's sub-packages (innovation/needs/views.py)
        app = f"kexie.{f.parent.parent.name}"
        on_disk.setdefault(app, set()).add(f"{app}.{f.parent.name}.{f.stem}")
    assert protected == on_disk


def test_core_forbids_every_domain_app():
    (core,) = [c for c in contracts() if c["name"] == "kexie.core imports no domain app"]
    apps = {f"kexie.{p.parent.name}" for p in (ROOT / "kexie").glob("*/apps.py")} - {"kexie.core"}
    assert apps <= set(core["forbidden_modules"])


# ---- the scope check without the organisation tree ------------------------------------------------------------
def test_home_and_my_pages_keep_their_addresses(province, client_a):
    assert reverse("home") == "/" and reverse("me") == "/me/" and reverse("me-export") == "/me/export/"
    assert client_a.get("/").status_code == 200


def test_a_role_at_every_root_is_unrestricted_without_a_query(province, django_assert_num_queries):
    admin = province["users"]["demo-province"]
    admin.refresh_from_db()
    with django_assert_num_queries(0):
        assert scope_paths(admin, "orgs.view") is None
    clerk = province["users"]["demo-city-a"]
    with django_assert_num_queries(0):
        assert scope_paths(clerk, "orgs.view") == [province["city_a"].path]


@pytest.mark.django_db
def test_a_new_root_ends_the_unrestricted_scope_until_it_is_removed(province, client_province):
    from kexie.orgs.services import create_organisation

    root = province["root"]
    superuser = type(province["users"]["demo-province"]).objects.create_superuser("root-layers", password="x" * 16)
    other = create_organisation(superuser, None, {"code": "LAYERS-ROOT", "name": "另一个省科协",
                                                  "kind": root.kind, "region": root.region})
    admin = province["users"]["demo-province"]
    admin.refresh_from_db()
    assert scope_paths(admin, "orgs.view") == [root.path]
    assert EVERY_ROOT not in admin.scope_cache
    assert client_province.get(reverse("orgs:detail", args=[other.pk])).status_code == 404
    assert client_province.get(reverse("orgs:detail", args=[root.pk])).status_code == 200
    assert not Organisation.objects.for_user(admin).filter(pk=other.pk).exists()

    Organisation.objects.get(pk=other.pk).delete()
    admin.refresh_from_db()
    assert scope_paths(admin, "orgs.view") is None
    assert "orgs.view" in admin.scope_cache[EVERY_ROOT]
