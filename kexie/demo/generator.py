"""``kexie seed``: a fictional province generated deterministically from a seed (SPEC §4).

Organisations go through the ORM (thousands); people, disciplines and memberships (up to
millions) go through ``bulk.copy_rows`` with ids assigned here. The same seed and scale give
the same province, names and identifiers (ciphertexts differ: AES-GCM nonces are random).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from kexie.core import bulk
from kexie.core.search import index_text, sqlite_fts_paused
from kexie.core.validators import uscc_check_char
from kexie.demo.data import expertise as EX
from kexie.demo.data import names as NM
from kexie.demo.data import orgs as OD
from kexie.demo.data import province as PV
from kexie.demo.scales import SCALES, Scale
from kexie.members.models import Category
from kexie.members.status import status_for
from kexie.orgs.counts import refresh_people_counts
from kexie.orgs.models import Level, Organisation, OrgKind, Region, Sector
from kexie.people.models import Discipline

SECTOR_OF = {"理科": Sector.SCIENCE, "工科": Sector.ENGINEERING, "农科": Sector.AGRICULTURE,
             "医科": Sector.MEDICINE, "社科": Sector.CROSS}
TITLE_LEVEL = {"正高级": "senior", "副高级": "vice_senior", "中级": "middle", "初级": "junior"}
EDU_BY_SECTOR = {
    "高校": [("doctor", 55), ("master", 35), ("bachelor", 10)],
    "科研院所": [("doctor", 45), ("master", 40), ("bachelor", 15)],
    "医院": [("doctor", 25), ("master", 40), ("bachelor", 30), ("college", 5)],
    "企业": [("doctor", 8), ("master", 30), ("bachelor", 50), ("college", 12)],
    "农技": [("master", 10), ("bachelor", 50), ("college", 35), ("other", 5)],
    "中小学": [("master", 25), ("bachelor", 70), ("college", 5)],
    "其他": [("master", 20), ("bachelor", 55), ("college", 25)],
}
MEDICAL = ["310", "320", "330", "350", "360"]
AGRI = ["210", "220", "230", "240"]
SCHOOL = ["880", "110", "140", "150", "180", "740", "750", "770"]


@dataclass
class Holder:
    """An organisation that holds people's records, with what its people look like."""

    org: Organisation
    sector: str  # key of EDU_BY_SECTOR / TITLES
    employers: list[tuple[str, ...]]  # (employer name, discipline code[, sector when not the holder's])
    weight: int
    people: list[int] = field(default_factory=list)


@lru_cache(maxsize=256)
def _cumulative(pairs: tuple) -> tuple[tuple, list[float]]:
    values, weights = zip(*pairs, strict=True)
    return values, list(itertools.accumulate(weights))


def _weighted(rng: random.Random, pairs):
    values, cum = _cumulative(tuple(pairs))
    return values[bisect.bisect_right(cum, rng.random() * cum[-1])]


def uscc_for(rng: random.Random, region_code: str, kind: str) -> str:
    head = {"society": "51", "kx": "12"}.get(kind, "91")
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = head + region_code[:6] + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_check_char(body)


class ProvinceGenerator:
    def __init__(self, scale: str, seed: int, people: int | None = None, log=print, today: dt.date | None = None):
        self.scale: Scale = SCALES[scale]
        self.scale_name = scale
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_people = people if people is not None else self.scale.people
        self.log = log
        self.kinds = {k.code: k for k in OrgKind.objects.all()}
        self.disciplines = {d.code: d.pk for d in Discipline.objects.all()}
        self.first_level = sorted(c for c in self.disciplines if len(c) == 3 and c in EX.EXPERTISE)
        self.holders: list[Holder] = []
        self.societies: list[tuple[Organisation, str]] = []
        self.cities: list[Organisation] = []
        self.code_seq = 0
        self.today = today or timezone.localdate()  # one date for the whole seed: it never straddles midnight

    # ---- organisations -------------------------------------------------------------------
    def _code(self, prefix: str) -> str:
        self.code_seq += 1
        return f"{prefix}{self.code_seq:06d}"

    def _org(self, parent: Organisation | None, name: str, kind: str, level: str, region: Region | None,
             **extra) -> Organisation:
        rng = self.rng
        data = dict(
            name=name, code=self._code(kind[:2].upper()), kind=self.kinds[kind], level=level, region=region,
            founded_on=dt.date(rng.randint(1958, 2022), rng.randint(1, 12), rng.randint(1, 28)),
            contact_name=self._person_name()[0], contact_phone=f"0{rng.randint(510, 599)}-{rng.randint(2000000, 8999999)}",
            address=f"{region.name if region else ''}{rng.choice(PV.TOWNSHIP_ROOTS)}路{rng.randint(1, 999)}号",
            party_org_type=rng.choice(["branch", "branch", "general_branch", "committee", "joint_branch", ""]),
        )
        if kind in {"society", "kx", "university_kx", "enterprise_kx", "hospital_kx"} and rng.random() < 0.8:
            data["uscc"] = uscc_for(rng, region.code if region else PV.PROVINCE[0], kind)
        data.update(extra)
        if parent is None:
            return Organisation.objects.add_root(data)
        return Organisation.objects.add_child(parent, data)

    def _region(self, code: str, name: str, level: str, parent: Region | None) -> Region:
        return Region.objects.create(code=code, name=name, level=level, parent=parent)

    def build_orgs(self) -> None:
        rng, sc = self.rng, self.scale
        prov_region = self._region(PV.PROVINCE[0], PV.PROVINCE[1], Level.PROVINCE, None)
        pname = PV.PROVINCE[1]
        root = self._org(None, f"{pname}科学技术协会", "kx", Level.PROVINCE, prov_region, grade="",
                         supervisor=f"{pname}委员会")
        self.root = root
        # Provincial societies, each bound to a discipline; branches below.
        for name, disc in OD.SOCIETIES[: sc.societies]:
            sector = SECTOR_OF.get(self._sector(disc), Sector.CROSS)
            soc = self._org(root, f"{pname}{name}", "society", Level.PROVINCE, prov_region, sector=sector,
                            grade=_weighted(rng, [("5A", 10), ("4A", 25), ("3A", 30), ("", 35)]),
                            supervisor=f"{pname}科学技术协会")
            self.societies.append((soc, disc))
            for bname in rng.sample(OD.SOCIETY_BRANCHES, sc.branches_per_society):
                self._org(soc, f"{soc.name}{bname}", "society_branch", Level.PROVINCE, prov_region)
            self.holders.append(Holder(soc, "其他", [(soc.name, disc)], 1))
        # University associations under the province.
        for uname, disc in OD.UNIVERSITIES[: sc.universities]:
            org = self._org(root, f"{uname}科学技术协会", "university_kx", Level.PROVINCE, prov_region)
            self.holders.append(Holder(org, "高校", [(uname, disc)], 30))
        institutes = list(OD.INSTITUTES)
        for i, (ccode, cname) in enumerate(PV.CITIES):
            self._build_city(root, prov_region, ccode, cname, institutes[i * 3 : i * 3 + 3])
        self.log(f"  组织 {Organisation.objects.count()} 个，其中学会 {len(self.societies)} 个")

    def _sector(self, disc: str) -> str:
        from kexie.people.data.disciplines import SECTOR

        return SECTOR.get(disc, "社科")

    def _fill(self, template: str, **names: str) -> str:
        for k, v in names.items():
            template = template.replace("{" + k + "}", v)
        return template

    def _build_city(self, root, prov_region, ccode, cname, institutes) -> None:
        rng, sc = self.rng, self.scale
        region = self._region(ccode, cname, Level.CITY, prov_region)
        city = self._org(root, f"{cname}科学技术协会", "kx", Level.CITY, region)
        self.cities.append(city)
        short = cname.removesuffix("市")
        for tpl in rng.sample(OD.HOSPITALS, 2):
            hname = self._fill(tpl, city=short)
            org = self._org(city, f"{hname}科学技术协会", "hospital_kx", Level.CITY, region)
            self.holders.append(Holder(org, "医院", [(hname, rng.choice(MEDICAL))], 12))
        for ename, disc in rng.sample(OD.ENTERPRISES, 4):
            ename = self._fill(ename, city=short)
            org = self._org(city, f"{ename}科学技术协会", "enterprise_kx", Level.CITY, region)
            self.holders.append(Holder(org, "企业", [(ename, disc)], 8))
        park = self._fill(rng.choice(OD.PARKS), city=short)
        porg = self._org(city, f"{park}科学技术协会", "park_kx", Level.CITY, region)
        self.holders.append(Holder(porg, "企业", [(park + "管理委员会", "630")], 2))
        self.holders.append(Holder(city, "科研院所", [(n, d) for n, d in institutes] or [(f"{cname}科学技术研究院", "410")], 6))
        for kind, label in (("academician_ws", "院士工作站"), ("expert_ws", "专家工作站"), ("popsci_base", "科普教育基地")):
            self._org(city, f"{rng.choice(OD.ENTERPRISES)[0].replace('{city}', short)}{label}", kind, Level.CITY, region)
        counties = PV.COUNTIES[ccode]
        if sc.counties_per_city:
            counties = counties[: sc.counties_per_city]
        for j, coname in enumerate(counties, start=1):
            self._build_county(city, region, f"{ccode[:4]}{j:02d}", coname)

    def _build_county(self, city, city_region, code, coname) -> None:
        rng, sc = self.rng, self.scale
        region = self._region(code, coname, Level.COUNTY, city_region)
        county = self._org(city, f"{coname}科学技术协会", "kx", Level.COUNTY, region)
        cshort = coname[:-1] if len(coname) > 2 else coname
        self.holders.append(Holder(county, "中小学", [(f"{coname}第一中学", rng.choice(SCHOOL)),
                                                      (f"{coname}实验小学", rng.choice(SCHOOL))], 3))
        self.holders.append(Holder(county, "其他", [(f"{coname}农业农村局", "210"), (f"{coname}疾病预防控制中心", "330", "医院"),
                                                    (f"{coname}工业和信息化局", "630")], 2))
        ename, disc = rng.choice(OD.ENTERPRISES)
        ename = self._fill(ename, city=cshort)
        org = self._org(county, f"{cshort}{ename.split('市')[-1]}科学技术协会", "enterprise_kx", Level.COUNTY, region)
        self.holders.append(Holder(org, "企业", [(ename, disc)], 3))
        agri = self._org(county, self._fill(rng.choice(OD.AGRI_ASSOCIATIONS), county=coname,
                                            township=rng.choice(PV.TOWNSHIP_ROOTS) + "镇"),
                         "agri_assoc", Level.COUNTY, region)
        self.holders.append(Holder(agri, "农技", [(agri.name, rng.choice(AGRI))], 2))
        roots = rng.sample(PV.TOWNSHIP_ROOTS, sc.townships_per_county)
        for k, troot in enumerate(roots, start=1):
            tname = troot + rng.choice(["镇", "镇", "乡", "街道"])
            treg = self._region(f"{code}{k:03d}", tname, Level.TOWNSHIP, region)
            town = self._org(county, f"{coname}{tname}科学技术协会", "kx", Level.TOWNSHIP, treg)
            self.holders.append(Holder(town, "农技", [(f"{tname}农业技术推广站", rng.choice(AGRI)),
                                                      (f"{tname}卫生院", "320", "医院")], 1))

    # ---- people --------------------------------------------------------------------------
    def _person_name(self) -> tuple[str, str]:
        rng = self.rng
        surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
        gender = "M" if rng.random() < 0.58 else "F"
        pool = NM.GIVEN_MALE if gender == "M" else NM.GIVEN_FEMALE
        chars = [rng.choice(pool if rng.random() < 0.8 else NM.GIVEN_NEUTRAL) for _ in range(rng.choice((1, 2, 2, 2)))]
        return surname + "".join(chars), gender

    def build_people(self, text: bool | None = None) -> dict[str, int]:
        """People, their disciplines and society memberships, generated in vectorised chunks and
        streamed through the bulk loader (see ``people.PeopleMaker``): as ``COPY`` text blocks on
        PostgreSQL (``text``), as tuples through ``bulk.copy_rows`` elsewhere."""
        from kexie.demo.people import PeopleMaker

        maker = PeopleMaker(self, self.seed)
        first = bulk.next_id("people_person")
        plan = [min(CHUNK, self.n_people - start) for start in range(0, self.n_people, CHUNK)]
        text = connection.vendor == "postgresql" if text is None else text
        counts = {"people": 0, "memberships": 0}
        for n, people, pds, members in maker.run(plan, first, self.scale.member_share, timezone.now(), text=text,
                                                 processes=self.n_people >= PARALLEL_FROM):
            for table, columns, rows in (("people_person", PERSON_COLUMNS, people),
                                         ("people_persondiscipline", DISCIPLINE_COLUMNS, pds),
                                         ("members_membership", MEMBERSHIP_COLUMNS, members)):
                if text:
                    bulk.copy_block(table, columns, rows)
                else:
                    bulk.copy_rows(table, columns, rows)
            counts["people"] += n
            counts["memberships"] += members.count(b"\n") if text else len(members)
        for table in ("people_person", "people_persondiscipline", "members_membership"):
            bulk.reset_sequence(table)
        counts["first_person_id"] = first
        return counts

    def build_bodies(self) -> int:
        """Leadership bodies with terms and posts (SPEC §3.1): each society's congress, council, standing
        council and supervisory board, and the provincial and county associations' congress, 全委会 and
        常委会. Most pass the governance rules (kexie.governance); a few fail on purpose, deterministically:
        every eighth society (from the sixth) has too few front-line council members, one official sits
        in two societies, one official is over 70, one society chair is an official in a third term, one
        society and one county association are overdue for 换届, one county congress has too few young
        delegates. Front-line status is per person, so one person counts the same in every body."""
        import math

        from kexie.core.scope import prefix_q
        from kexie.governance.rules import age_on
        from kexie.members.models import BodyKind, LeadershipBody, Membership, Post, Term
        from kexie.people.models import Person

        rng, today = self.rng, self.today
        posts: list[Post] = []
        seen: set[tuple[int, int, str]] = set()

        def young(birth) -> bool:
            return birth is not None and age_on(birth, today) <= 45

        def mixed(pool: list[tuple[int, dt.date | None]]) -> list[int]:
            """People ordered so that every prefix holds at least 40% aged 45 or under (while they last)."""
            ys = [pid for pid, b in pool if young(b)]
            olds = [pid for pid, b in pool if not young(b)]
            out: list[int] = []
            taken = 0
            while ys or olds:
                if ys and (taken < math.ceil(0.4 * (len(out) + 1)) or not olds):
                    out.append(ys.pop(0))
                    taken += 1
                else:
                    out.append(olds.pop(0))
            return out

        def term_of(body, number: int, start: dt.date) -> Term:
            return Term.objects.create(body=body, number=number, starts_on=start,
                                       ends_on=start.replace(year=start.year + 5))

        def seat(term: Term, pid: int, position: str, frontline: bool, official: str = "") -> None:
            if (term.pk, pid, position) in seen:
                return
            seen.add((term.pk, pid, position))
            posts.append(Post(term=term, person_id=pid, position=position, starts_on=term.starts_on,
                              frontline=frontline, official=official))

        def start_of(years_back: int) -> dt.date:
            return dt.date(today.year - years_back, rng.randint(1, 12), 1)

        # The oldest person over 70, to sit as an official on one society's council.
        elder = (Person.objects.filter(deleted_at__isnull=True, birth_date__lt=dt.date(today.year - 72, 1, 1))
                 .order_by("birth_date", "id").values_list("id", flat=True).first())
        societies = [soc for soc, _ in self.societies]
        twice = None  # the official who also sits on a second society's council
        for i, soc in enumerate(societies):
            pool = list(Membership.objects.filter(society=soc, joined_on__isnull=False).order_by("id")
                        .values_list("person_id", "person__birth_date")[:24])
            if len(pool) < 4:
                continue
            supervisors = [pid for pid, _b in pool[-2:]]
            council = mixed(pool[:-2])
            standing = council[:5]
            frontline_n = math.ceil(0.8 * len(council))
            if i % 8 == 5:  # too few front-line council members
                frontline_n = math.ceil(0.75 * len(council)) - 1
            rest = council[5:]
            not_front = set(rng.sample(rest, min(len(rest), len(council) - frontline_n)))
            front = {pid for pid in council if pid not in not_front} | {pid for pid in supervisors if rng.random() < 0.8}
            officials = {pid: "retired" if rng.random() < 0.4 else "serving"
                         for pid in council if pid != elder and rng.random() < 0.1
                         and all(b is None or age_on(b, today) <= 68 for p, b in pool if p == pid)}
            if i == 1:
                twice = standing[0]
                officials[twice] = "serving"
            if i == 4:
                officials[standing[0]] = "retired"
            number = rng.randint(4, 11)
            start = start_of(6 if i == 2 else rng.randint(0, 4))
            for kind in (BodyKind.CONGRESS, BodyKind.COUNCIL, BodyKind.STANDING, BodyKind.SUPERVISORY):
                body = LeadershipBody.objects.create(organisation=soc, org_path=soc.path, kind=kind)
                term = term_of(body, number, start)
                if kind == BodyKind.CONGRESS:
                    for pid in council + supervisors:
                        seat(term, pid, "delegate", pid in front)
                elif kind == BodyKind.COUNCIL:
                    positions = ["chair", "vice_chair", "vice_chair", "secretary_general"]
                    for k, pid in enumerate(council):
                        seat(term, pid, positions[k] if k < 4 else "council_member", pid in front,
                             officials.get(pid, ""))
                    if i == 3 and twice is not None:
                        seat(term, twice, "council_member", True, "serving")
                    if i == 6 and elder is not None:
                        seat(term, elder, "vice_chair", False, "retired")
                    # the previous term(s): the leaders sat before
                    back = 3 if i == 4 else 2
                    for n in range(1, back):
                        if number - n < 1:
                            break
                        old = term_of(body, number - n, start.replace(year=start.year - 5 * n))
                        for k, pid in enumerate(council[:6]):
                            seat(old, pid, positions[k] if k < 4 else "council_member", pid in front,
                                 officials.get(pid, ""))
                elif kind == BodyKind.STANDING:
                    positions = ["chair", "vice_chair", "vice_chair", "secretary_general", "standing_member"]
                    for pid, pos in zip(standing, positions, strict=False):
                        seat(term, pid, pos, pid in front, officials.get(pid, ""))
                else:
                    for pid, pos in zip(supervisors, ["supervisor_chair", "supervisor"], strict=True):
                        seat(term, pid, pos, pid in front, "")

        # The provincial association and the county associations: congress, 全委会, 常委会.
        associations = [self.root] + list(Organisation.objects.filter(kind__code="kx", level=Level.COUNTY)
                                          .order_by("path"))
        for j, org in enumerate(associations):
            people = list(Person.objects.filter(prefix_q("org_path", [org.path]), deleted_at__isnull=True)
                          .order_by("org_path", "id").values_list("id", "birth_date")[:400])
            if len(people) < 30 and org.depth > 2:  # a small county: people of the whole city serve too
                city = org.path[: 2 * Organisation.steplen]
                mine = {pid for pid, _b in people}
                people += [row for row in Person.objects.filter(prefix_q("org_path", [city]), deleted_at__isnull=True)
                           .order_by("org_path", "id").values_list("id", "birth_date")[:400] if row[0] not in mine]
            if len(people) < 12:
                continue
            people = rng.sample(people, min(len(people), 40))
            if j == 2:  # one county congress with too few young delegates
                delegates = ([pid for pid, b in people if not young(b)][:24]
                             + [pid for pid, b in people if young(b)][:3])
            else:
                delegates = mixed(people[:30])
            council = mixed(people[: min(21, len(people))])
            standing = council[: max(5, len(council) // 3)]
            front = set(council[: math.ceil(0.8 * len(council))]) | {p for p in delegates if rng.random() < 0.85}
            front |= set(standing)
            officials = {pid: "serving" for pid in council if rng.random() < 0.15}
            number = rng.randint(8, 12)
            start = start_of(6 if j == len(associations) - 1 and j > 1 else rng.randint(0, 4))
            for kind in (BodyKind.CONGRESS, BodyKind.COUNCIL, BodyKind.STANDING):
                body = LeadershipBody.objects.create(organisation=org, org_path=org.path, kind=kind)
                term = term_of(body, number, start)
                if kind == BodyKind.CONGRESS:
                    for pid in delegates:
                        seat(term, pid, "delegate", pid in front, officials.get(pid, ""))
                elif kind == BodyKind.COUNCIL:
                    for k, pid in enumerate(council):
                        seat(term, pid, ["chair", "vice_chair", "vice_chair"][k] if k < 3 else "council_member",
                             pid in front, officials.get(pid, ""))
                else:
                    for k, pid in enumerate(standing):
                        seat(term, pid, ["chair", "vice_chair", "vice_chair"][k] if k < 3 else "standing_member",
                             pid in front, officials.get(pid, ""))
        Post.objects.bulk_create(posts, batch_size=2000)
        return len(posts)

    def build_group_members(self) -> int:
        """单位会员: enterprises, universities and hospitals (through their associations) in societies."""
        from kexie.members.models import GroupMembership

        rng = self.rng
        units = list(Organisation.objects.filter(kind__code__in=["enterprise_kx", "university_kx", "hospital_kx"])
                     .order_by("path"))
        rows = []
        for soc, _ in self.societies:
            for j, unit in enumerate(rng.sample(units, min(len(units), rng.randint(2, 6))), start=1):
                joined = self.today - dt.timedelta(days=rng.randint(30, 3650))
                dues = _weighted(rng, [(dt.date(self.today.year, 12, 31), 80), (dt.date(self.today.year - 2, 12, 31), 20)])
                status = status_for(joined_on=joined, dues_paid_through=dues, category="member", current="pending",
                                    today=self.today)
                rows.append(GroupMembership(member=unit, society=soc, org_path=soc.path, number=f"{soc.code}-G{j:03d}",
                                            status=status, joined_on=joined, dues_paid_through=dues,
                                            representative=self._person_name()[0]))
        GroupMembership.objects.bulk_create(rows)
        return len(rows)

    def _membership_row_np(self, person_id: int, soc: Organisation, age: int, now, u) -> tuple:
        """One membership from four uniform draws: category, state, join date, dues. The generator
        gives a person at most one membership, so the person's id makes the number unique."""
        weights = ((4 if age < 30 else 0), 70, (18 if age > 35 else 2), (5 if age > 50 else 0), (1 if age > 60 else 0))
        category = CATEGORIES[_index(weights, u[0])]
        joined = self.today - dt.timedelta(days=10 + int(u[2] * 365 * 15))
        ended = None
        status = ""
        if u[1] < 0.03:  # pending application
            joined = None
        elif u[1] < 0.05:
            status = "withdrawn"
            ended = self.today - dt.timedelta(days=1 + int(u[3] * 300))
        if joined is None or category == Category.HONORARY:
            dues = None
        else:
            dues = dt.date(self.today.year - (0 if u[3] < 0.7 else 1 if u[3] < 0.9 else 3), 12, 31)
        status = status or status_for(joined_on=joined, dues_paid_through=dues, category=category,
                                      current="pending", today=self.today)
        number = f"{soc.code}-{person_id:07d}" if joined else ""
        applied = (joined or self.today) - dt.timedelta(days=3 + int(u[1] * 1000) % 37)
        return (person_id, soc.pk, soc.path, category, number, status, applied, joined, dues, ended, "",
                now, now, None)


CHUNK = 20_000
PEOPLE_TABLES = ("people_person", "people_persondiscipline", "members_membership")
PARALLEL_FROM = 50_000  # people: below this, forking the generator processes costs more than it saves
CATEGORIES = ("student", "member", "senior", "fellow", "honorary")


def _index(weights: tuple, u: float) -> int:
    total = sum(weights)
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if u * total < acc:
            return i
    return len(weights) - 1


PERSON_COLUMNS = [
    "id", "name", "gender", "birth_date", "ethnicity", "id_number", "id_hash", "phone", "phone_hash", "email",
    "org_id", "org_path", "employer_id", "employer_name", "position", "title", "title_level", "education",
    "expertise", "bio", "honours", "public_profile", "user_id", "search_text", "created_at", "updated_at",
    "deleted_at",
]
DISCIPLINE_COLUMNS = ["person_id", "discipline_id", "is_primary"]
MEMBERSHIP_COLUMNS = [
    "person_id", "society_id", "org_path", "category", "number", "status", "applied_on", "joined_on",
    "dues_paid_through", "ended_on", "note", "created_at", "updated_at", "deleted_at",
]
NATIONALITIES = ["回族", "满族", "蒙古族", "壮族", "土家族", "苗族", "朝鲜族"]

_SURNAMES = [n for n, _ in NM.SURNAMES]
_SURNAME_CUM = list(itertools.accumulate(w for _, w in NM.SURNAMES))


@lru_cache(maxsize=200_000)
def _cached_segments(text: str) -> str:
    return index_text(whole=[text])


@lru_cache(maxsize=50_000)
def _cached_employer(employer: str) -> str:
    return index_text(segmented=[employer])


def seed(scale: str = "tiny", seed: int = 1, people: int | None = None, log=print,
         today: dt.date | None = None) -> dict[str, int]:
    """Generate the province into an empty database. Returns counts. ``today`` pins the date the data is relative to."""
    if Organisation.objects.exists():
        raise RuntimeError("数据库中已有组织数据；演示数据只能生成到空数据库。")
    gen = ProvinceGenerator(scale, seed, people, log, today)
    with transaction.atomic():
        gen.build_orgs()
    with transaction.atomic(), sqlite_fts_paused(connection, "people_person"), bulk.indexes_deferred(PEOPLE_TABLES):
        counts = gen.build_people()
    with transaction.atomic():
        counts["posts"] = gen.build_bodies()
        counts["group_members"] = gen.build_group_members()
        refresh_people_counts()
    bulk.analyze(["people_person", "people_persondiscipline", "members_membership", "orgs_organisation"])
    from kexie.demo.accounts import create_accounts

    with transaction.atomic():
        create_accounts(gen)
    from kexie.demo.identity import seed_identity

    counts["dedup_queued"] = seed_identity(gen, log)["queued"]  # before the census: it counts the register
    from kexie.census.services import refresh as refresh_census

    census = refresh_census()  # the census summary after the bulk load (decision 0009)
    log(f"  底数汇总 {census.rows} 行，用时 {census.seconds} 秒")
    from kexie.demo.reports import seed_reports

    counts["report_filers"] = sum(v for k, v in seed_reports(gen, log).items() if k != "open")
    from kexie.demo.evaluation import seed_evaluation

    counts["evaluated"] = sum(seed_evaluation(gen, log).values())
    from kexie.demo.calls import seed_calls

    counts["call_applications"] = sum(v for k, v in seed_calls(gen, log).items() if k != "experts")
    from kexie.demo.joining import seed_joining

    counts["join_applications"] = seed_joining(gen, log).get("applications", 0)
    from kexie.demo.portal import seed_portal

    counts["public_profiles"] = seed_portal(gen, log).get("public_profiles", 0)
    from kexie.demo.kepu import seed_kepu

    counts["kepu_items"] = seed_kepu(gen, log)["items"]
    from kexie.demo.innovation import seed_innovation

    counts["innovation_needs"] = seed_innovation(gen, log)["needs"]
    from kexie.demo.founding import seed_founding

    counts["formation_requests"] = seed_founding(gen, log)["requests"]
    from kexie.demo.signin import seed_signin

    counts["profile_changes"] = seed_signin(gen, log)["profile_changes"]
    from kexie.innovation.matching.store import build_index

    build_index()  # the expert matcher's index of the seeded people (as ``kexie match build``)
    counts["orgs"] = Organisation.objects.count()
    return counts
