"""Row validation: one tight loop per row over precompiled parsers, every message in Chinese naming
the row and the column.

``Context`` holds what the loop looks things up in, loaded once per import: the organisations in
the user's scope by code and by name, disciplines, organisation kinds, regions. The cell parsers
(``cells.py``) take the cell text and return the value or raise ``CellError``; nothing here touches the
database per row.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from kexie.core.scope import path_in_scope, prefix_q, scope_paths
from kexie.imports.cells import MAX_ERRORS_KEPT, PARSERS, PLACEHOLDERS, CellError, OrgRef
from kexie.imports.spec import Column, Spec

if TYPE_CHECKING:
    from kexie.orgs.models import Organisation

__all__ = ["CellError", "Context", "OrgRef", "RowParser"]


class Context:
    """Per-import lookups and the error log; built once, consulted per row."""

    def __init__(self, user: Any, target: Organisation, spec: Spec, mode: str, today: dt.date | None = None) -> None:
        self.user = user
        self.target = target
        self.spec = spec
        self.mode = mode
        self.today = today or dt.date.today()
        self.view_paths = scope_paths(user, "imports.view")
        self.change_paths = scope_paths(user, "imports.change")
        self.errors: list[tuple[int, str, str]] = []
        self.error_rows: dict[int, list[tuple[str, str]]] = {}
        self.error_count = 0
        self._orgs_loaded = False
        self._disciplines: dict[str, int] | None = None
        self._kinds: dict[str, tuple[int, str]] | None = None
        self._regions: dict[str, int] | None = None
        self._missing: dict[str, str] = {}
        self.by_code: dict[str, OrgRef] = {}
        self.by_name: dict[str, list[OrgRef]] = {}

    # -- errors ---------------------------------------------------------------------------------
    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append((row, column, message))
            self.error_rows.setdefault(row, []).append((column, message))

    @property
    def failed(self) -> bool:
        return self.error_count > 0

    # -- organisations ----------------------------------------------------------------------------
    def _load_orgs(self) -> None:
        from kexie.orgs.models import Organisation

        qs = Organisation.objects.alive().order_by()
        if self.view_paths is not None:
            qs = qs.filter(prefix_q("path", self.view_paths))
        for pk, code, name, short, path, depth, category in qs.values_list(
            "pk", "code", "name", "short_name", "path", "depth", "kind__category"
        ).iterator(chunk_size=5000):
            self.add_org(OrgRef(pk, code, name, path, depth, category), short)
        self._orgs_loaded = True

    def add_org(self, ref: OrgRef, short_name: str = "") -> None:
        self.by_code[ref.code] = ref
        self.by_code.setdefault(ref.code.upper(), ref)
        for n in {ref.name, short_name} - {""}:
            self.by_name.setdefault(n, []).append(ref)

    def org(self, text: str, purpose: str) -> OrgRef:
        """An organisation named by code or name; ``purpose`` is "change" (records are written into
        it: in the change scope and within the import's target) or "view" (only referred to)."""
        if not self._orgs_loaded:
            self._load_orgs()
        ref = self.by_code.get(text) or self.by_code.get(text.upper())
        if ref is None:
            named = self.by_name.get(text)
            if named and len(named) > 1:
                raise CellError(_("名称为“%(v)s”的组织有 %(n)s 个，请改填组织编码。") % {"v": text, "n": len(named)})
            ref = named[0] if named else None
        if ref is None:
            raise CellError(self._why_missing(text))
        if purpose == "change":
            if not path_in_scope(ref.path, self.change_paths):
                raise CellError(_("组织“%(v)s”不在您的管理范围内。") % {"v": text})
            if not ref.path.startswith(self.target.path):
                raise CellError(_("组织“%(v)s”不在本次导入的目标组织“%(t)s”之下。") % {"v": text, "t": self.target.name})
        return ref

    def _why_missing(self, text: str) -> str:
        if text not in self._missing:
            from django.db.models import Q

            from kexie.orgs.models import Organisation

            exists = Organisation.objects.filter(Q(code=text) | Q(name=text)).exists()
            self._missing[text] = (
                _("组织“%(v)s”不在您的管理范围内。") if exists else _("平台中没有编码或名称为“%(v)s”的组织。")
            ) % {"v": text}
        return self._missing[text]

    # -- code lists -------------------------------------------------------------------------------
    def discipline(self, text: str) -> int:
        if self._disciplines is None:
            from kexie.people.models import Discipline

            self._disciplines = {}
            for d_pk, code, name in Discipline.objects.values_list("pk", "code", "name"):
                self._disciplines[code] = d_pk
                self._disciplines.setdefault(name, d_pk)
        pk = self._disciplines.get(text)
        if pk is None:
            raise CellError(_("“%(v)s”不是 GB/T 13745 学科代码或学科名称。") % {"v": text})
        return pk

    def org_kind(self, text: str) -> tuple[int, str]:
        if self._kinds is None:
            from kexie.orgs.models import OrgKind

            self._kinds = {}
            for pk, code, name, category in OrgKind.objects.values_list("pk", "code", "name", "category"):
                self._kinds[code] = self._kinds[name] = (pk, category)
        hit = self._kinds.get(text)
        if hit is None:
            raise CellError(_("“%(v)s”不是平台中的组织类型。") % {"v": text})
        return hit

    def region(self, text: str) -> int:
        if self._regions is None:
            from kexie.orgs.models import Region

            self._regions = {}
            names: dict[str, list[int]] = {}
            for r_pk, code, name in Region.objects.values_list("pk", "code", "name"):
                self._regions[code] = r_pk
                names.setdefault(name, []).append(r_pk)
            for name, pks in names.items():
                self._regions.setdefault(name, pks[0] if len(pks) == 1 else -len(pks))
        pk = self._regions.get(text)
        if pk is None:
            raise CellError(_("“%(v)s”不是平台中的行政区划代码或名称。") % {"v": text})
        if pk < 0:
            raise CellError(_("名称为“%(v)s”的行政区划有多个，请改填区划代码。") % {"v": text})
        return pk


class RowParser:
    """Compiled once per import: which cell feeds which parser."""

    def __init__(self, ctx: Context, columns: list[tuple[int, Column]], headers: list[str]):
        self.ctx = ctx
        self.plan = [(i, col.key, col, PARSERS[col.type], headers[i] or col.header) for i, col in columns]
        self.header_of = {col.key: headers[i] or col.header for i, col in columns}
        self.required = [c for c in ctx.spec.columns if c.required]

    def header(self, key: str) -> str:
        return self.header_of.get(key) or self.ctx.spec.by_key[key].header

    def parse(self, row: int, cells: list[str]) -> dict[str, Any] | None:
        """The row's values by column key, or None after logging its errors."""
        ctx = self.ctx
        values: dict[str, Any] = {}
        ok = True
        n = len(cells)
        for i, key, col, parser, header in self.plan:
            text = cells[i] if i < n else ""
            if not text or text in PLACEHOLDERS:
                continue
            try:
                values[key] = parser(ctx, col, text)
            except CellError as exc:
                ctx.error(row, header, str(exc))
                ok = False
        for col in self.required:
            if col.key not in values and not (col.key in self.header_of and not ok and _had(cells, self, col.key)):
                ctx.error(row, self.header(col.key), _("必填项，不能为空。"))
                ok = False
        return values if ok else None


def _had(cells: list[str], parser: RowParser, key: str) -> bool:
    """Whether the row had text in the column (its parser already logged why it was refused)."""
    for i, k, *_rest in parser.plan:
        if k == key:
            return i < len(cells) and bool(cells[i]) and cells[i] not in PLACEHOLDERS
    return False
