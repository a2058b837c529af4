"""Discipline profiles: which title series and which disciplines go with which kind of workplace, so that a demo
person's employer, title, disciplines and expertise agree (no 高级农艺师 at a township hospital who lists 医学影像, no
正高级工程师 at a power company who lists 音乐表演). Each person is drawn from one profile: the employer's sector
gives the title series and the disciplines a person there may hold; the expertise comes from that discipline."""

from __future__ import annotations

MEDICINE = ("310", "320", "330", "340", "350", "360")
CLINICAL = ("310", "320", "330", "360")  # the ones a doctor's title goes with
AGRICULTURE = ("210", "220", "230", "240")
ENGINEERING = ("120", "150", "350", "410", "413", "416", "420", "430", "440", "450", "460", "470", "480", "490",
               "510", "520", "530", "535", "540", "550", "560", "570", "580", "590", "610", "620", "630")
SCHOOL = ("110", "140", "150", "180", "740", "750", "760", "770", "880", "890")

# The disciplines a person of each title series may hold (None: any — universities and institutes cover all).
SERIES_DISCIPLINES: dict[str, tuple[str, ...] | None] = {
    "高校": None,
    "科研院所": None,
    "医院": MEDICINE,
    "农技": AGRICULTURE,
    "企业": ENGINEERING,
    "中小学": SCHOOL,
}


def series_for(sector: str, discipline: str) -> str:
    """The title series of a person at an employer of ``sector`` whose main discipline is ``discipline``."""
    if sector in ("高校", "科研院所", "医院", "农技", "中小学"):
        return sector
    if discipline in AGRICULTURE:
        return "农技"  # a seed company's breeders and a bureau's agronomists are 农艺师
    if sector == "企业" or discipline in ENGINEERING:
        return "企业"
    if discipline in CLINICAL:
        return "医院"
    return "科研院所"  # a society's or a bureau's scientists outside engineering: 研究员 series


def allowed(series: str, first_level: list[str]) -> list[int]:
    """Indexes into ``first_level`` of the disciplines a person of ``series`` may hold."""
    codes = SERIES_DISCIPLINES[series]
    return [i for i, c in enumerate(first_level) if codes is None or c in codes]
