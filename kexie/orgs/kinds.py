"""Default organisation kinds (SPEC §2.1). Data, not code: staff may add kinds in the admin."""

from kexie.orgs.models import KindCategory as C

DEFAULT_KINDS = [
    ("kx", "科协", C.ASSOCIATION),
    ("society", "学会", C.SOCIETY),
    ("society_branch", "学会分支机构", C.SOCIETY),
    ("society_union", "学会联合体", C.SOCIETY),
    ("university_kx", "高校科协", C.GRASSROOTS),
    ("enterprise_kx", "企业科协", C.GRASSROOTS),
    ("park_kx", "园区科协", C.GRASSROOTS),
    ("hospital_kx", "医院科协", C.GRASSROOTS),
    ("agri_assoc", "农技协", C.GRASSROOTS),
    ("think_tank_base", "智库基地", C.PLATFORM),
    ("haizhi_base", "海智基地", C.PLATFORM),
    ("popsci_base", "科普教育基地", C.PLATFORM),
    ("academician_ws", "院士工作站", C.PLATFORM),
    ("expert_ws", "专家工作站", C.PLATFORM),
    ("society_station", "学会服务站", C.PLATFORM),
    ("haizhi_ws", "海智工作站", C.PLATFORM),
]


def load_kinds(OrgKind) -> None:  # noqa: N803 - historical model passed by migrations
    for sort, (code, name, category) in enumerate(DEFAULT_KINDS, start=1):
        OrgKind.objects.update_or_create(code=code, defaults={"name": name, "category": category, "sort": sort * 10})
