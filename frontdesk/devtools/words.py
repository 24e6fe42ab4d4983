"""Names, places and words of the generated clinic, and the dice that pick among them.

British Columbia's mix: names in many scripts (accented Latin, Chinese, Japanese, Korean, Cyrillic,
Vietnamese), with preferred names where people often have one; phone numbers checked by the same
`parse_phone` the patient form uses.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import TypeVar

from frontdesk.domain.areas import Region
from frontdesk.domain.contact import parse_phone
from frontdesk.domain.patients import search_key
from frontdesk.domain.screening import ReviewDecision

T = TypeVar("T")


# (weight, family names, female given names, male given names, preferred names offered)
NAME_GROUPS: tuple[tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (46,
     ("Smith", "Brown", "Wilson", "MacDonald", "Taylor", "Campbell", "Anderson", "Johnson", "Thompson",
      "Scott", "Stewart", "McKenzie", "O'Brien", "Fraser", "Robertson", "Reid", "Murray", "Clarke",
      "Walker", "Young", "Mitchell", "Baker", "Hughes", "Morrison", "Gray", "Ferguson", "Kennedy",
      "Hall", "Wright", "Kelly", "Fisher", "Harris", "Graham", "Bell", "Hamilton", "MacLeod",
      "Sinclair", "Whitfield", "Armstrong", "Carter", "Douglas", "Ellis", "Foster", "Gordon",
      "Henderson", "Lawson", "Patterson", "Richardson", "Sutherland", "Van der Berg", "Jansen"),
     ("Olivia", "Emma", "Charlotte", "Amelia", "Ava", "Sophia", "Chloe", "Mary", "Linda", "Barbara",
      "Susan", "Karen", "Margaret", "Dorothy", "Heather", "Jennifer", "Lisa", "Michelle", "Amanda",
      "Jessica", "Madison", "Hailey", "Brooke", "Elizabeth", "Katherine", "Patricia", "Sarah",
      "Rebecca", "Evelyn", "Harper", "Jean", "Shirley", "Joan", "Colleen", "Tamara"),
     ("Liam", "Noah", "Oliver", "Lucas", "William", "Benjamin", "Jack", "Ethan", "Robert", "James",
      "John", "Michael", "David", "Richard", "Donald", "Gordon", "Jason", "Kevin", "Brian", "Tyler",
      "Brandon", "Owen", "Logan", "Cole", "Thomas", "Daniel", "Matthew", "Wayne", "Douglas", "Keith",
      "Ronald", "Gerald", "Stuart", "Alexander", "Nathan"),
     ("Bob", "Bill", "Liz", "Kate", "Mike", "Dave", "Jim", "Peggy", "Rick", "Sam", "Alex", "Nate")),
    (7,
     ("Gagnon", "Côté", "Bélanger", "Lévesque", "Bouchard", "Gauthier", "Thériault", "Pelletier",
      "Tremblay", "Bergeron", "Leblanc", "Després", "Giroux", "Lefèvre", "Aubé"),
     ("Chloé", "Élodie", "Hélène", "Zoé", "Amélie", "Léa", "Noémie", "Geneviève", "Josée", "Mélanie",
      "Céline", "Françoise"),
     ("Benoît", "Jérôme", "François", "Mathéo", "Gaëtan", "Rémi", "Stéphane", "Frédéric", "Olivier",
      "Étienne", "Gérard", "Raphaël"),
     ()),
    (8,
     ("Müller", "Schröder", "Weiß", "Ødegård", "Bjørnsen", "Åberg", "Löfgren", "Nowak", "Wójcik",
      "Kowalczyk", "Łukasiewicz", "Dvořák", "Novák", "Szabó", "Kovács", "Yılmaz", "Öztürk",
      "Rossi", "Esposito", "Lindqvist", "Jørgensen", "Häberle"),
     ("Åsa", "Ingrid", "Małgorzata", "Zofia", "Zsófia", "Ayşe", "Zoë", "Birgit", "Jitka", "Sølvi",
      "Giulia", "Anneliese", "Agnieszka"),
     ("Jürgen", "Björn", "Søren", "Łukasz", "Tomáš", "Gökhan", "Matthias", "Henrik", "Piotr",
      "Lorenzo", "Ferenc", "Jiří", "Örjan"),
     ("Zo", "Lukas", "Tom", "Gosia")),
    (4,
     ("García", "Martínez", "Rodríguez", "Hernández", "López", "Peña", "Muñoz", "Gonçalves", "Álvarez",
      "Jiménez", "Ibáñez", "Sánchez"),
     ("María", "Sofía", "Lucía", "Inês", "Valentina", "Ximena", "Camila", "Mónica"),
     ("José", "Martín", "Ángel", "João", "Andrés", "Sebastián", "Joaquín", "Raúl"),
     ("Pepe", "Sofi")),
    (6,
     ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "蔡", "林", "徐", "孙", "马"),
     ("芳", "娜", "秀英", "敏", "静", "丽", "艳", "娟", "秀兰", "霞", "欣怡", "子涵", "雨桐", "佳怡"),
     ("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "浩然", "宇轩", "志强", "建华"),
     ("Grace", "Kevin", "Jenny", "David", "Amy", "Eric", "Vivian", "Jason", "Cindy", "Tony")),
    (5,
     ("Wong", "Chan", "Li", "Zhang", "Leung", "Lam", "Cheung", "Ho", "Ng", "Lau", "Tsai", "Huang",
      "Chen", "Lin"),
     ("Mei", "Xiu Ying", "Li Na", "Wai Ling", "Ka Yan", "Hui Min", "Jing"),
     ("Wei", "Jun", "Ka Ho", "Chi Wai", "Zhi Hao", "Ming", "Hao"),
     ("Grace", "Kevin", "Ivy", "Alan", "Winnie", "Peter", "Karen")),
    (2,
     ("佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "加藤"),
     ("陽菜", "結衣", "さくら", "美咲", "あかり", "由美子", "恵子"),
     ("健太", "翔太", "大輔", "拓也", "蓮", "悠真", "浩二"),
     ("Ken", "Yumi", "Sakura")),
    (3,
     ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"),
     ("서연", "지우", "하은", "수빈", "지민", "민지", "유진"),
     ("민준", "도윤", "예준", "시우", "현우", "지훈", "성민"),
     ("Grace", "Daniel", "Sophie", "Andrew", "Jin")),
    (8,
     ("Singh", "Kaur", "Gill", "Sandhu", "Dhillon", "Sidhu", "Grewal", "Brar", "Patel", "Sharma",
      "Bains", "Johal", "Mann", "Sahota"),
     ("Harpreet", "Gurpreet", "Manpreet", "Jaspreet", "Simran", "Priya", "Navneet", "Rupinder",
      "Amandeep", "Kiranjit"),
     ("Amarjit", "Rajinder", "Arjun", "Harjit", "Gurdeep", "Sukhwinder", "Baljit", "Ravi", "Jaskaran"),
     ("Harry", "Sunny", "Rav", "Jas", "Simmi")),
    (3,
     ("Santos", "Reyes", "Cruz", "Bautista", "Dela Cruz", "Mendoza", "Villanueva", "Aquino", "Ramos"),
     ("Maricel", "Rowena", "Angelica", "Jocelyn", "Lourdes", "Ma. Cristina"),
     ("Jomar", "Rodel", "Arnel", "Jose Mari", "Efren", "Ramil"),
     ("Tina", "Joy", "Jun")),
    (3,
     ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi"),
     ("Thảo", "Hương", "Linh", "Ngọc Anh", "Mai", "Phương"),
     ("Minh", "Quang", "Tuấn", "Đức", "Huy", "Thành"),
     ("Tony", "Lily", "Kim")),
    (3,
     ("Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Петренко", "Шевченко", "Коваленко",
      "Бондаренко", "Волков"),
     ("Ольга", "Наталья", "Анна", "Мария", "Екатерина", "Олена", "Ирина", "Татьяна"),
     ("Алексей", "Дмитрий", "Сергей", "Андрей", "Тарас", "Богдан", "Николай", "Юрий"),
     ("Sasha", "Natasha", "Dima", "Katya")),
)
_GROUP_WEIGHTS = tuple(group[0] for group in NAME_GROUPS)
_RUSSIAN_FEMININE = {"Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Волков"}

THERAPIST_NAMES = (
    "Priya Dhaliwal", "Marc-André Leclerc", "Hannah Okafor", "Kenji Watanabe", "Sophie Lindqvist",
    "Daniel Ferreira", "Amrit Sandhu", "Olivia Chen", "Mateo Rodríguez", "Grace Whitfield",
    "Ewa Kowalska", "Rhys MacAulay", "Nadia Haddad", "Tomás Ibáñez", "Leah Nakamura",
    "Jonah Abernathy", "Yuki Tanaka", "Camille Bouchard", "Farah Siddiqui", "Owen Bjornson",
)
RECEPTION_NAMES = (
    "Jordan Ellis", "Mei Ling Ho", "Sandra Pelletier", "Gurleen Brar", "Alicia Romero", "Kyle Dawson",
    "Brianna Chow", "Marta Nowicka", "Devon Clarke", "Ana Lucía Vega",
)
COLOURS = ("#2e7d32", "#1565c0", "#6a1b9a", "#c62828", "#ef6c00", "#00838f", "#4e342e", "#ad1457",
            "#283593", "#558b2f", "#00695c", "#6d4c41", "#37474f", "#9e9d24", "#d84315", "#4527a0")

TOWNS = (("Penticton", "V2A"), ("Summerland", "V0H"), ("Naramata", "V0H"), ("Oliver", "V0H"),
          ("Okanagan Falls", "V0H"), ("Kelowna", "V1Y"), ("West Kelowna", "V4T"), ("Keremeos", "V0X"),
          ("Osoyoos", "V0H"), ("Vernon", "V1T"))
STREETS = ("Main St", "Fairview Rd", "Lakeshore Dr", "Government St", "Eckhardt Ave W", "Duncan Ave E",
            "Skaha Lake Rd", "Westminster Ave", "Naramata Rd", "Vancouver Ave", "Churchill Ave",
            "Bennett Ave", "Victoria Rd N", "Kinney Ave", "Okanagan Ave E", "Pineview Rd",
            "Upper Bench Rd", "Johnson Rd", "Green Ave W", "Riddle Rd")
DOCTORS = ("Dr. Anita Sharma", "Dr. Paul Whitaker", "Dr. Mei Chen", "Dr. Robert Lévesque",
            "Dr. Sarah O'Connell", "Dr. Harjit Grewal", "Dr. Tomasz Nowak", "Dr. Julia Becker")
PLANS = ("Pacific Blue Cross, group 12345", "Sun Life, plan 88231", "Manulife, plan 50012",
          "Canada Life, group 77610", "Green Shield, plan 30442", "Desjardins, group 91820")
NOTES = ("Prefers morning appointments.", "Hard of hearing: please speak up.",
          "Uses a walker; book the ground-floor room.", "Prefers text reminders.",
          "Works shifts: call before noon.", "Brings a family member to interpret.",
          "Nervous about needles; explain each step.", "Parks in the back lot (accessible spot).")
RELATIONS = ("spouse", "partner", "daughter", "son", "mother", "father", "sister", "brother", "friend")
CANCEL_REASONS = ("Patient is unwell", "Work conflict", "Family emergency", "No transportation",
                   "Feeling better; will call to rebook", "Weather: roads closed",
                   "Rescheduled by phone", "Child care fell through", "Doctor's appointment at the same time")
REVIEW_NOTES = {
    ReviewDecision.approve_altered: ("Lighter technique; no electrical stimulation.",
                                     "Superficial needling only over the thoracic area.",
                                     "Shorter session; fewer needles."),
    ReviewDecision.decline: ("Declined for now: speak with the family doctor first.",
                             "Declined: bone density too low for needling near the spine."),
}

SURGERY_REGIONS = (Region.knee, Region.shoulder, Region.hip, Region.ankle_foot, Region.wrist_hand,
                    Region.lower_back, Region.elbow)


class Dice(random.Random):
    """`random.Random` with quicker draws (one float each) for the million-row loops; still wholly
    determined by the seed."""

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        count = (stop - start + step - 1) // step
        if count <= 0:
            raise ValueError(f"empty range for randrange({start}, {stop}, {step})")
        return start + step * int(self.random() * count)

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def weighted(self, items: Sequence[T], weights: tuple[int, ...]) -> T:
        table = _CUMULATIVE.get(weights)
        if table is None:
            table = _CUMULATIVE[weights] = list(accumulate(weights))
        return items[bisect_right(table, self.random() * table[-1])]


_CUMULATIVE: dict[tuple[int, ...], list[int]] = {}
DECISIONS = tuple(ReviewDecision)


def unique_username(name: str, taken: set[str]) -> str:
    base = ".".join(search_key(name).replace("-", " ").replace("'", "").split())[:60] or "user"
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}{number}"
        number += 1
    taken.add(candidate)
    return candidate


def person(rng: Dice) -> tuple[str, str, str]:
    """(family, given, preferred) from one of the name groups; some have a second given name or a
    hyphenated family name, some a preferred name."""
    group = rng.weighted(NAME_GROUPS, _GROUP_WEIGHTS)
    _weight, families, women, men, preferred_names = group
    female = rng.random() < 0.55
    family = rng.choice(families)
    if family in _RUSSIAN_FEMININE and female:
        family += "а"
    given = rng.choice(women if female else men)
    if group is NAME_GROUPS[0] and rng.random() < 0.25:
        given = f"{given} {rng.choice(women if female else men)}"
    if group is NAME_GROUPS[0] and rng.random() < 0.04:
        family = f"{family}-{rng.choice(NAME_GROUPS[rng.randrange(1, len(NAME_GROUPS))][1])}"
    preferred = ""
    if preferred_names and rng.random() < (0.35 if not family.isascii() or not given.isascii() else 0.1):
        preferred = rng.choice(preferred_names)
    return family, given, preferred


class PhoneBook:
    """British Columbia numbers (250, 604, 778). Each exchange is checked once with the same
    `parse_phone` the patient form uses; a number's stored form and search digits follow from it."""

    def __init__(self, rng: Dice) -> None:
        self.rng = rng
        self._exchanges: dict[tuple[int, int], tuple[str, str, str]] = {}

    def number(self) -> tuple[str, str, str]:
        """(E.164 as stored, the digits searched, the display form)."""
        rng = self.rng
        area = rng.weighted((250, 778, 604), (60, 25, 15))
        exchange = rng.randrange(201, 1000)
        if exchange % 100 == 11 or exchange == 555:
            exchange += 1
        prefix = self._exchanges.get((area, exchange))
        if prefix is None:
            phone = parse_phone(f"({area}) {exchange}-0100")
            assert phone.e164.endswith("0100") and phone.digits.endswith("0100") and phone.display.endswith("0100")
            prefix = self._exchanges[(area, exchange)] = (phone.e164[:-4], phone.digits[:-4], phone.display[:-4])
        line = f"{rng.randrange(0, 10_000):04d}"
        return prefix[0] + line, prefix[1] + line, prefix[2] + line


