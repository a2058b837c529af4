"""The default topics, key audiences and point rules; the full-text search indexes of items and debunks; the 科普部
role reaches the module."""

from django.db import migrations

TOPICS = [
    ("health", "健康生活", "Healthy living"), ("medicine", "医学与疾病防治", "Medicine and disease prevention"),
    ("emergency", "应急避险", "Emergency and safety"), ("disaster", "防灾减灾", "Disaster prevention"),
    ("food", "食品安全", "Food safety"), ("agriculture", "农业技术", "Farming technology"),
    ("environment", "生态环境", "Ecology and environment"), ("energy", "能源与双碳", "Energy and carbon"),
    ("space", "航空航天", "Aerospace"), ("information", "信息技术与人工智能", "Computing and AI"),
    ("life", "生命科学", "Life sciences"), ("earth", "地球与气象", "Earth and weather"),
    ("industry", "产业与职业技能", "Industry and skills"), ("literacy", "科学素质", "Science literacy"),
]
AUDIENCES = [
    ("youth", "青少年", "Young people"), ("farmers", "农民", "Farmers"),
    ("workers", "产业工人", "Industrial workers"), ("elderly", "老年人", "Older people"),
    ("officials", "领导干部和公务员", "Leaders and civil servants"),
]
RULES = [("share", 2, 20), ("share_read", 1, 50), ("completed_read", 1, 10), ("rated", 1, 10),
         ("reported_rumour", 5, 5)]
POPSCI = ["orgs.view", "people.view", "census.view", "kepu.*"]
POPSCI_BEFORE = ["orgs.view", "people.view", "census.view"]


def forwards(apps, schema_editor):
    Topic, Audience = apps.get_model("kepu", "Topic"), apps.get_model("kepu", "Audience")
    for i, (code, name, en) in enumerate(TOPICS):
        Topic.objects.update_or_create(code=code, defaults={"name": name, "name_en": en, "order": (i + 1) * 10})
    for i, (code, name, en) in enumerate(AUDIENCES):
        Audience.objects.update_or_create(code=code, defaults={"name": name, "name_en": en, "order": (i + 1) * 10})
    PointRule = apps.get_model("kepu", "PointRule")
    for action, points, cap in RULES:
        PointRule.objects.get_or_create(action=action, defaults={"points": points, "daily_cap": cap})
    Role = apps.get_model("accounts", "Role")
    Role.objects.filter(code="dept_popsci", actions=POPSCI_BEFORE).update(actions=POPSCI)


def backwards(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.filter(code="dept_popsci", actions=POPSCI).update(actions=POPSCI_BEFORE)


def search_indexes(apps, schema_editor):
    from kexie.core.search import install_search_index

    install_search_index(schema_editor, "kepu_item")
    install_search_index(schema_editor, "kepu_debunk")


class Migration(migrations.Migration):
    dependencies = [("kepu", "0001_initial"), ("accounts", "0005_module_actions")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(search_indexes, migrations.RunPython.noop),
    ]
