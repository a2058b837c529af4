"""科普中国信息员: the officer's own pages concern the caller only; the ranking is public (masked names, the
organisation); the staff list, its export and 停用/恢复 are scoped by the officer's organisation (a city-B
officer)."""

from __future__ import annotations

TABLE = {
    "kepu:officer-join": ("own", None),
    "kepu:officer-me": ("own", None),
    "kepu:officer-share": ("own", None),  # the caller's own points for a published (public) item
    "kepu:officers-ranking": ("public", None),  # masked names of officers with points: test_kepu_officers
    "kepu:officers": ("list", None),
    "kepu:officers-export": ("export", "kepu_officer"),
    "kepu:point-rules": ("list", None),  # province-wide rules: kepu.publish at the root only
    "kepu:officer-active": ("change", "kepu_officer"),
}


def records(province):
    from kexie.accounts.models import User
    from kexie.kepu.models import InfoOfficer

    b = province["city_b"]
    user = User.objects.create_user("kepu-officer-city-b", password="x" * 16)
    officer = InfoOfficer.objects.create(user=user, org=b, org_path=b.path, number="KP2099000001",
                                         display_name="B市科普信息员乙", share_code="scope-b-code")
    return {"kepu_officer": officer}
