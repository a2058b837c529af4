"""The throwaway module's import kind (declared in its apps.py as ``ImportKind("things", …)``): a two-column spec
and an importer built on the shared pipeline (kexie.imports.apply) — match by code, create the rest with COPY /
executemany into the target organisation, leave existing things alone."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.bulk import copy_rows, reserve_ids
from kexie.imports.apply import Importer, ModelRows, col_in, fetch_rows
from kexie.imports.spec import Column, Spec
from tests.registry_app.models import Thing

THINGS = Spec("things", "试验件", (
    Column("code", "试验件编号", "code", required=True, variants=("试验件代码",), max_length=20,
           help=gettext_lazy("必填，平台内唯一。"), example="T-001"),
    Column("name", "名称", required=True, max_length=40, example="试验件甲"),
))


class ThingsImporter(Importer):
    kind = "things"
    table = "registry_app_thing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model_rows = ModelRows(Thing, self.now)

    def check(self, row: int, v: dict[str, Any]) -> bool:
        return not self.duplicate(row, v["code"], self.parser.header("code"), _("试验件编号"))

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        sql, params = col_in("code", [v["code"] for _row, v in rows])
        existing = {code for (code,) in fetch_rows(self.table, ("code",), sql, params)}
        creates = []
        for row, v in rows:
            if v["code"] in existing:
                self.counts["skipped"] += 1
                self.sample("skipped", row, v["name"])
            else:
                creates.append(v)
                self.sample("created", row, v["name"])
        self.counts["created"] += len(creates)
        if not self.writing or not creates:
            return
        ids = reserve_ids(self.table, len(creates))
        target = self.target_ref()
        self.w.submit(copy_rows, self.table, self.model_rows.columns, [
            self.model_rows.row({"id": pk, "code": v["code"], "name": v["name"], "org_path": target.path})
            for pk, v in zip(ids, creates, strict=True)])
        self.created(self.table, ids)
