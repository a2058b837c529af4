"""Named sizes of the generated province (SPEC §4)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    counties_per_city: int  # 0 = every county in the data
    townships_per_county: int
    societies: int
    branches_per_society: int
    universities: int
    people: int
    member_share: float  # share of people with a society membership


SCALES = {
    "tiny": Scale(2, 2, 24, 1, 4, 600, 0.5),
    "small": Scale(0, 4, 151, 2, 20, 20_000, 0.3),
    "city": Scale(0, 13, 151, 3, 40, 200_000, 0.1),
    "province": Scale(0, 13, 151, 4, 40, 7_000_000, 0.075),
}
