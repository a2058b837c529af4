"""The default compliance rules, each quoting the seed document it comes from (SPEC §3.1).

Data, not code: the migration ``0002_default_rules`` loads them and staff edit thresholds on the rules
page. ``gettext_noop`` puts names and descriptions in the message catalogue so that
``ComplianceRule.label`` / ``.text`` show them in the interface language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

SEED = "003_73f9d7d21f6b67ef.txt"
ASSOCIATION = ["association"]
SOCIETY = ["society"]
LEADING = ["council", "standing", "supervisory"]  # bodies whose seats are 社会团体职务
ALL_TERMED = ["congress", "council", "standing", "supervisory"]

Q_KX = gettext_noop(
    "依据 003_73f9d7d21f6b67ef.txt 第 69 行（二、1）：“扩大科协代表大会代表中一线人员的广泛性，来自企业、高等学校、"
    "科研院所、农村等基层一线科技工作者的比例确保在 70% 以上，45 岁以下青年科技工作者不少于三分之一……"
    "来自基层一线的全委会、常委会委员比例均确保在 75% 以上。”"
)
Q_SOC_STRUCTURE = gettext_noop(
    "依据 003_73f9d7d21f6b67ef.txt 第 99 行（三、3）：“学会代表大会代表应主要为基层一线科技人员，"
    "学会理事会四分之三以上、常务理事会三分之二以上应为基层一线科技工作者，中青年科技工作者一般应达到三分之一以上。”"
)
Q_SOC_OFFICIALS = gettext_noop(
    "依据 003_73f9d7d21f6b67ef.txt 第 99 行（三、3）：“逐步规范在职及退（离）休领导干部在学会兼职，"
    "经批准可兼任1个社会团体职务，年龄一般不得超过70周岁，任期一般不得超过两届。”"
)
Q_KX_YOUNG = gettext_noop(
    "依据 003_73f9d7d21f6b67ef.txt 第 69 行（二、1）：“扩大科协代表大会代表中一线人员的广泛性……"
    "45 岁以下青年科技工作者不少于三分之一。”（“45 岁以下”按法律用语包括本数，即不超过 45 周岁。）"
)
Q_SOC_YOUNG = gettext_noop(
    "依据 003_73f9d7d21f6b67ef.txt 第 99 行（三、3）：“学会理事会四分之三以上、常务理事会三分之二以上应为基层一线科技工作者，"
    "中青年科技工作者一般应达到三分之一以上。”（中青年按不超过 45 周岁计，可在规则页调整年龄界限。）"
)
Q_SOC_POSTS = gettext_noop(
    "依据 003_73f9d7d21f6b67ef.txt 第 99 行（三、3）：“逐步规范在职及退（离）休领导干部在学会兼职，"
    "经批准可兼任1个社会团体职务，年龄一般不得超过70周岁，任期一般不得超过两届。”"
    "（按全省各学会理事会、常务理事会、监事会本届在任职务计，同一学会计 1 个。）"
)
Q_TERMS = gettext_noop(
    "依据 003_73f9d7d21f6b67ef.txt 第 99 行（三、3）：“督促学会领导机构按期换届，确保代表大会、理事会（常务理事会）、"
    "监事会依法依规履职。”科协领导机构同样按期换届（SPEC §3.1 换届提醒）。"
)

DEFAULT_RULES: list[dict[str, Any]] = [
    # 科协领导机构 (003 §二.1)
    dict(code="kx-congress-frontline", name=gettext_noop("科协代表大会：基层一线代表不低于 70%"),
         description=Q_KX, org_categories=ASSOCIATION, body_kinds=["congress"],
         metric="frontline_share", comparison="gte", threshold=Decimal("0.7")),
    dict(code="kx-congress-young", name=gettext_noop("科协代表大会：45 岁以下青年代表不少于三分之一"),
         description=Q_KX_YOUNG,
         org_categories=ASSOCIATION, body_kinds=["congress"],
         metric="young_share", comparison="gte", threshold=Decimal("0.333333"), parameter=45),
    dict(code="kx-council-frontline", name=gettext_noop("科协全委会：基层一线委员不低于 75%"),
         description=Q_KX, org_categories=ASSOCIATION, body_kinds=["council"],
         metric="frontline_share", comparison="gte", threshold=Decimal("0.75")),
    dict(code="kx-standing-frontline", name=gettext_noop("科协常委会：基层一线委员不低于 75%"),
         description=Q_KX, org_categories=ASSOCIATION, body_kinds=["standing"],
         metric="frontline_share", comparison="gte", threshold=Decimal("0.75")),
    # 学会 (003 §三.3)
    dict(code="society-congress-frontline", name=gettext_noop("学会代表大会：代表主要为基层一线（过半数）"),
         description=Q_SOC_STRUCTURE, org_categories=SOCIETY, body_kinds=["congress"],
         metric="frontline_share", comparison="gt", threshold=Decimal("0.5")),
    dict(code="society-council-frontline", name=gettext_noop("学会理事会：基层一线理事不低于四分之三"),
         description=Q_SOC_STRUCTURE, org_categories=SOCIETY, body_kinds=["council"],
         metric="frontline_share", comparison="gte", threshold=Decimal("0.75")),
    dict(code="society-standing-frontline", name=gettext_noop("学会常务理事会：基层一线常务理事不低于三分之二"),
         description=Q_SOC_STRUCTURE, org_categories=SOCIETY, body_kinds=["standing"],
         metric="frontline_share", comparison="gte", threshold=Decimal("0.666667")),
    dict(code="society-leaders-young", name=gettext_noop("学会理事会、常务理事会：中青年不少于三分之一"),
         description=Q_SOC_YOUNG,
         org_categories=SOCIETY, body_kinds=["council", "standing"],
         metric="young_share", comparison="gte", threshold=Decimal("0.333333"), parameter=45),
    dict(code="society-official-posts", name=gettext_noop("公职人员在学会兼职不超过 1 个"),
         description=Q_SOC_POSTS,
         org_categories=SOCIETY, body_kinds=LEADING,
         metric="official_posts", comparison="lte", threshold=Decimal(1)),
    dict(code="society-official-age", name=gettext_noop("兼职公职人员年龄不超过 70 周岁"),
         description=Q_SOC_OFFICIALS, org_categories=SOCIETY, body_kinds=LEADING,
         metric="official_age", comparison="lte", threshold=Decimal(70)),
    dict(code="society-official-terms", name=gettext_noop("兼职公职人员任期不超过两届"),
         description=Q_SOC_OFFICIALS, org_categories=SOCIETY, body_kinds=LEADING,
         metric="official_terms", comparison="lte", threshold=Decimal(2)),
    # 按期换届
    dict(code="term-overdue", name=gettext_noop("按期换届：届满后未换届"),
         description=Q_TERMS, org_categories=ASSOCIATION + SOCIETY, body_kinds=ALL_TERMED,
         metric="term_overdue", comparison="lte", threshold=Decimal(0)),
    dict(code="term-expiring", name=gettext_noop("换届提醒：即将届满"),
         description=Q_TERMS, org_categories=ASSOCIATION + SOCIETY, body_kinds=ALL_TERMED,
         metric="term_expiring", comparison="gte", threshold=Decimal(90), severity="warn"),
]


def load_rules(ComplianceRule: Any) -> None:  # noqa: N803 - historical model passed by migrations
    for sort, data in enumerate(DEFAULT_RULES, start=1):
        ComplianceRule.objects.update_or_create(code=data["code"], defaults={**data, "sort": sort * 10})
