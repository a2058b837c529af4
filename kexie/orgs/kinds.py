"""Default organisation kinds (SPEC §2.1). Data, not code: staff may add kinds in the admin.

The names are stored in Chinese; ``gettext_noop`` puts them in the message catalogue so that
``OrgKind.label`` can show them in the interface language."""

from django.utils.translation import gettext_noop

from kexie.orgs.models import KindCategory as C

DEFAULT_KINDS = [
    ("kx", gettext_noop("科协"), C.ASSOCIATION),
    ("society", gettext_noop("学会"), C.SOCIETY),
    ("society_branch", gettext_noop("学会分支机构"), C.SOCIETY),
    ("society_union", gettext_noop("学会联合体"), C.SOCIETY),
    ("university_kx", gettext_noop("高校科协"), C.GRASSROOTS),
    ("enterprise_kx", gettext_noop("企业科协"), C.GRASSROOTS),
    ("park_kx", gettext_noop("园区科协"), C.GRASSROOTS),
    ("hospital_kx", gettext_noop("医院科协"), C.GRASSROOTS),
    ("agri_assoc", gettext_noop("农技协"), C.GRASSROOTS),
    ("think_tank_base", gettext_noop("智库基地"), C.PLATFORM),
    ("haizhi_base", gettext_noop("海智基地"), C.PLATFORM),
    ("popsci_base", gettext_noop("科普教育基地"), C.PLATFORM),
    ("academician_ws", gettext_noop("院士工作站"), C.PLATFORM),
    ("expert_ws", gettext_noop("专家工作站"), C.PLATFORM),
    ("society_station", gettext_noop("学会服务站"), C.PLATFORM),
    ("haizhi_ws", gettext_noop("海智工作站"), C.PLATFORM),
]


def load_kinds(OrgKind) -> None:  # noqa: N803 - historical model passed by migrations
    for sort, (code, name, category) in enumerate(DEFAULT_KINDS, start=1):
        OrgKind.objects.update_or_create(code=code, defaults={"name": name, "category": category, "sort": sort * 10})
