"""A realistic clinic, generated: patients, screenings, therapists and years of appointments.

Deterministic: the same plan, seed and "today" always write the same clinic. Used by `frontdesk demo`
(a few hundred patients around today) and by the benchmarks (ten years, a million appointments).

Speed comes from writing in bulk inside one transaction: each table's INSERT is compiled once from
the model, every value is converted by that column's own type (cached where values repeat, such as the
times of the day grid and the assessments of the answer templates), and rows go to the driver's
`executemany` in chunks. SQLAlchemy's per-row parameter handling would cost about 50 µs a row, most of
a minute for the appointments alone. On SQLite the load also runs with `synchronous=OFF` and a large
page cache on its own connection (restored before the connection is returned), and rebuilds the
appointment indexes once at the end instead of updating them row by row.

The rules stay where they live: screenings are assessed by `domain.screening.assess` (once per answer
template and planned areas, again for every screening with a dated operation), patients' search keys
come from `domain.patients.search_key` and phone numbers from `domain.contact.parse_phone`, as the
patient service stores them. Appointments fill each therapist's weekly slot grid, so no therapist is
ever booked twice at once, and a patient follows one course of care at a time.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from itertools import accumulate
import random
import time as timer
import uuid
from queue import Queue
from threading import Thread
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.orm import Session

from frontdesk.db.engine import WRITE_OPTION
from frontdesk.db.models import (
    Appointment,
    AppointmentEvent,
    AppointmentType,
    Patient,
    ScheduleException,
    Screening,
    ScreeningReview,
    Therapist,
    User,
    WorkingHours,
)
from frontdesk.db.sequences import advance_id_sequences
from frontdesk.domain.areas import ALL_AREAS, BodyArea, Region, Side, adjacent_areas
from frontdesk.domain.conditions import CONDITIONS, Condition, areas_for
from frontdesk.domain.contact import parse_phone
from frontdesk.domain.patients import search_key
from frontdesk.domain.roles import Permission, Role
from frontdesk.domain.scheduling import local_instant
from frontdesk.domain.screening import (
    QUESTIONS,
    Level,
    ReviewDecision,
    RuleTable,
    ScreeningAnswers,
    Surgery,
    assess,
)
from frontdesk.services.clinic_settings import get_clinic_settings
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import PermissionDenied, ServiceError
from frontdesk.services.screenings import screening_rules
from frontdesk.services.unit_of_work import append_audit

CHUNK = 20_000
#: From this many rows (patients and appointments) on, indexes are rebuilt once instead of row by row.
REBUILD_INDEXES_FROM = 50_000
#: Page cache for the generating connection (KiB, SQLite's negative form).
GENERATION_CACHE_KIB = 1_000_000


@dataclass(frozen=True)
class ClinicPlan:
    """What to generate. The range is `days_back` days before today to `days_forward` days after it;
    `therapists` is the number of active therapists wanted (the clinic's own are kept, more are added
    with their weekly hours). `appointments=None` books `fill` of the therapists' slots (at most eight
    visits a patient). `weekend_cover` IMS-qualified therapists get one-off weekend morning hours;
    `guaranteed_levels` makes the latest screenings show every verdict (for the demo)."""

    days_back: int
    days_forward: int
    therapists: int
    patients: int
    screenings: int
    appointments: int | None = None
    fill: float = 0.7
    seed: int = 7
    reception_users: int = 6
    booking_events: bool = True
    weekend_cover: int = 0
    guaranteed_levels: bool = False

    def __post_init__(self) -> None:
        if self.days_back < 0 or self.days_forward < 0 or self.days_back + self.days_forward < 1:
            raise ValueError("the date range must hold at least one day")
        if self.patients < 1 or self.screenings < 0 or (self.appointments or 0) < 0:
            raise ValueError("patients must be at least 1; screenings and appointments not negative")


LARGE_CLINIC = ClinicPlan(days_back=3652 - 90, days_forward=90, therapists=20, patients=100_000,
                          screenings=150_000, appointments=1_000_000)
"""Issue 7's large clinic: ten years (the last 90 days of it still ahead), 20 therapists."""

TINY_CLINIC = ClinicPlan(days_back=60, days_forward=30, therapists=9, patients=400, screenings=520,
                         appointments=2_500)
"""A small clinic of the same shape, for smoke runs of the benchmarks."""


@dataclass(frozen=True)
class GeneratedClinic:
    """What was written, for the summary printed to the person."""

    first_day: date
    last_day: date
    therapists_added: int
    therapists: int
    users_added: int
    patients: int
    screenings: int
    reviews: int
    appointments: int
    events: int
    time_off: int
    slots: int
    statuses: dict[str, int]
    levels: dict[str, int]
    today_appointments: int
    seconds: float

    def lines(self) -> list[str]:
        levels = ", ".join(f"{count:,} {Level.from_key(key).label.lower()}" for key, count in self.levels.items())
        statuses = ", ".join(f"{count:,} {name.replace('_', '-')}" for name, count in self.statuses.items())
        return [
            f"Dates: {self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d}",
            f"Therapists: {self.therapists} ({self.therapists_added} added), users added: {self.users_added}",
            f"Patients: {self.patients:,}",
            f"Screenings: {self.screenings:,} ({levels}); reviews recorded: {self.reviews:,}",
            f"Appointments: {self.appointments:,} of {self.slots:,} slots ({statuses}); "
            f"today: {self.today_appointments:,}",
            f"Booking history rows: {self.events:,}; time off entries: {self.time_off:,}",
            f"Written in {self.seconds:.1f} s",
        ]


# --- Names, places and words ----------------------------------------------------------------------

# (weight, family names, female given names, male given names, preferred names offered)
_NAME_GROUPS: tuple[tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
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
_GROUP_WEIGHTS = tuple(group[0] for group in _NAME_GROUPS)
_RUSSIAN_FEMININE = {"Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Волков"}

_THERAPIST_NAMES = (
    "Priya Dhaliwal", "Marc-André Leclerc", "Hannah Okafor", "Kenji Watanabe", "Sophie Lindqvist",
    "Daniel Ferreira", "Amrit Sandhu", "Olivia Chen", "Mateo Rodríguez", "Grace Whitfield",
    "Ewa Kowalska", "Rhys MacAulay", "Nadia Haddad", "Tomás Ibáñez", "Leah Nakamura",
    "Jonah Abernathy", "Yuki Tanaka", "Camille Bouchard", "Farah Siddiqui", "Owen Bjornson",
)
_RECEPTION_NAMES = (
    "Jordan Ellis", "Mei Ling Ho", "Sandra Pelletier", "Gurleen Brar", "Alicia Romero", "Kyle Dawson",
    "Brianna Chow", "Marta Nowicka", "Devon Clarke", "Ana Lucía Vega",
)
_COLOURS = ("#2e7d32", "#1565c0", "#6a1b9a", "#c62828", "#ef6c00", "#00838f", "#4e342e", "#ad1457",
            "#283593", "#558b2f", "#00695c", "#6d4c41", "#37474f", "#9e9d24", "#d84315", "#4527a0")

_TOWNS = (("Penticton", "V2A"), ("Summerland", "V0H"), ("Naramata", "V0H"), ("Oliver", "V0H"),
          ("Okanagan Falls", "V0H"), ("Kelowna", "V1Y"), ("West Kelowna", "V4T"), ("Keremeos", "V0X"),
          ("Osoyoos", "V0H"), ("Vernon", "V1T"))
_STREETS = ("Main St", "Fairview Rd", "Lakeshore Dr", "Government St", "Eckhardt Ave W", "Duncan Ave E",
            "Skaha Lake Rd", "Westminster Ave", "Naramata Rd", "Vancouver Ave", "Churchill Ave",
            "Bennett Ave", "Victoria Rd N", "Kinney Ave", "Okanagan Ave E", "Pineview Rd",
            "Upper Bench Rd", "Johnson Rd", "Green Ave W", "Riddle Rd")
_DOCTORS = ("Dr. Anita Sharma", "Dr. Paul Whitaker", "Dr. Mei Chen", "Dr. Robert Lévesque",
            "Dr. Sarah O'Connell", "Dr. Harjit Grewal", "Dr. Tomasz Nowak", "Dr. Julia Becker")
_PLANS = ("Pacific Blue Cross, group 12345", "Sun Life, plan 88231", "Manulife, plan 50012",
          "Canada Life, group 77610", "Green Shield, plan 30442", "Desjardins, group 91820")
_NOTES = ("Prefers morning appointments.", "Hard of hearing: please speak up.",
          "Uses a walker; book the ground-floor room.", "Prefers text reminders.",
          "Works shifts: call before noon.", "Brings a family member to interpret.",
          "Nervous about needles; explain each step.", "Parks in the back lot (accessible spot).")
_RELATIONS = ("spouse", "partner", "daughter", "son", "mother", "father", "sister", "brother", "friend")
_CANCEL_REASONS = ("Patient is unwell", "Work conflict", "Family emergency", "No transportation",
                   "Feeling better; will call to rebook", "Weather: roads closed",
                   "Rescheduled by phone", "Child care fell through", "Doctor's appointment at the same time")
_REVIEW_NOTES = {
    ReviewDecision.approve_altered: ("Lighter technique; no electrical stimulation.",
                                     "Superficial needling only over the thoracic area.",
                                     "Shorter session; fewer needles."),
    ReviewDecision.decline: ("Declined for now: speak with the family doctor first.",
                             "Declined: bone density too low for needling near the spine."),
}

_SURGERY_REGIONS = (Region.knee, Region.shoulder, Region.hip, Region.ankle_foot, Region.wrist_hand,
                    Region.lower_back, Region.elbow)

# --- Screening answer templates -------------------------------------------------------------------

_CLEAR: dict[str, str] = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}
assert set(_CLEAR) == {question.key.value for question in QUESTIONS}


@dataclass(frozen=True)
class _Template:
    """One way a screening is answered. `surgery` is (earliest, latest) days before the screening;
    `surgery_planned` says whether the operated area itself is to be needled (else only next to it)."""

    name: str
    weight: int
    answers: dict[str, str] = field(default_factory=dict)
    surgery: tuple[int, int] | None = None
    surgery_planned: bool = True


_TEMPLATES: tuple[_Template, ...] = (
    _Template("clear", 520),
    _Template("diabetes", 45, {"diabetes": "yes"}),
    _Template("blood_thinners", 40, {"bleeding_risk": "yes"}),
    _Template("survivor", 30, {"cancer": "survivor"}),
    _Template("controlled_autoimmune", 30, {"autoimmune": "controlled"}),
    _Template("mild_osteoporosis", 30, {"osteoporosis": "mild"}),
    _Template("moderate_osteoporosis", 20, {"osteoporosis": "moderate"}),
    _Template("pacemaker", 8, {"implanted_device": "yes"}),
    _Template("old_surgery", 35, {"had_surgery": "yes"}, surgery=(120, 330)),
    _Template("severe_osteoporosis", 30, {"osteoporosis": "severe_or_poorly_controlled"}),
    _Template("unsure_cancer", 18, {"cancer": "unsure"}),
    _Template("unsure_autoimmune", 16, {"autoimmune": "unsure"}),
    _Template("unsure_needles", 14, {"needle_fear": "unsure"}),
    _Template("unsure_pregnant", 8, {"pregnant": "unsure"}),
    _Template("recent_surgery", 45, {"had_surgery": "yes"}, surgery=(10, 75)),
    _Template("recent_surgery_nearby", 20, {"had_surgery": "yes"}, surgery=(7, 38), surgery_planned=False),
    _Template("pregnant", 16, {"pregnant": "yes"}),
    _Template("active_cancer", 18, {"cancer": "active"}),
    _Template("needle_fear", 18, {"needle_fear": "yes"}),
    _Template("uncontrolled_autoimmune", 10, {"autoimmune": "uncontrolled"}),
    _Template("cannot_understand", 8, {"understands_treatment": "no"}),
)
_TEMPLATE_WEIGHTS = tuple(template.weight for template in _TEMPLATES)
_BY_NAME = {template.name: template for template in _TEMPLATES}
#: The current screenings of the most recently screened patients cycle through these when a plan asks
#: for every level (the demo): a recent knee and shoulder operation, reviews, refusals.
_SHOWCASE = ("recent_surgery:knee", "severe_osteoporosis", "active_cancer", "recent_surgery:shoulder",
             "unsure_cancer", "needle_fear", "clear", "recent_surgery_nearby", "pregnant", "diabetes")


# --- Bulk writing ---------------------------------------------------------------------------------


class _Dice(random.Random):
    """`random.Random` with quicker draws (one float each) for the million-row loops; still wholly
    determined by the seed."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        count = (stop - start + step - 1) // step
        if count <= 0:
            raise ValueError(f"empty range for randrange({start}, {stop}, {step})")
        return start + step * int(self.random() * count)

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))

    def weighted(self, items, weights):
        table = _CUMULATIVE.get(weights)
        if table is None:
            table = _CUMULATIVE[weights] = list(accumulate(weights))
        return items[bisect_right(table, self.random() * table[-1])]


_CUMULATIVE: dict[tuple, list] = {}
_DECISIONS = tuple(ReviewDecision)


class _Writer:
    """INSERTs compiled once per table from the model; rows are tuples already in stored form.

    Batches go to the driver on a second thread, so the database works on one chunk while Python
    builds the next (SQLite releases the interpreter lock while it writes). `drain()` waits for the
    queue to empty; call it before anything else uses the connection.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self._statements: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._cursor = connection.connection.dbapi_connection.cursor()
        self._queue: Queue = Queue(maxsize=2)
        self._failure: BaseException | None = None
        self._thread = Thread(target=self._write, name="generate-writer", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._failure is None:
                    self._cursor.executemany(*job)
            except BaseException as error:  # noqa: BLE001 - handed to the generating thread
                self._failure = error
            finally:
                self._queue.task_done()

    def _send(self, sql: str, batch: list) -> None:
        if self._failure is not None:
            self.drain()
        self._queue.put((sql, batch))

    def drain(self) -> None:
        self._queue.join()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._cursor.close()

    def convert(self, table: Table, column: str) -> Callable[[Any], Any]:
        """The column type's own conversion to the stored form (identity when it has none)."""
        process = table.c[column].type._cached_bind_processor(self.dialect)
        return process if process is not None else (lambda value: value)

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        key = f"{table.name}:{','.join(columns)}"
        if key not in self._statements:
            compiled = insert(table).compile(dialect=self.dialect, column_keys=list(columns))
            order = tuple(compiled.positiontup or ()) if self.dialect.positional else tuple(columns)
            if set(order) != set(columns):
                raise RuntimeError(f"{table.name}: the insert does not cover exactly the given columns")
            self._statements[key] = (str(compiled), order)
        sql, order = self._statements[key]
        index = [list(columns).index(name) for name in order]
        as_given = self.dialect.positional and index == list(range(len(columns)))
        batch: list = []
        count = 0
        for row in rows:
            if as_given:
                batch.append(row)
            else:
                ordered = tuple(row[i] for i in index)
                batch.append(ordered if self.dialect.positional else dict(zip(order, ordered, strict=True)))
            if len(batch) >= CHUNK:
                self._send(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            self._send(sql, batch)
            count += len(batch)
        return count


# --- Instants on the local day grid -----------------------------------------------------------------


class _Clock:
    """Stored forms of local wall times, keyed by (day index, minute of the day), cached because the
    day grid repeats across therapists and patients."""

    def __init__(self, first_day: date, zone, to_stored: Callable[[datetime], Any]) -> None:
        self.first_day = first_day
        self.zone = zone
        self.to_stored = to_stored
        self._cache: dict[int, tuple[Any, str]] = {}
        self._offsets: dict[int, timedelta] = {}
        #: `lookup(day index * 1440 + minute)`: the cached (stored, ISO) pair, or None.
        self.lookup = self._cache.get

    def instant(self, day_index: int, minute: int) -> datetime:
        day_index += minute // 1440
        minute %= 1440
        day = self.first_day + timedelta(days=day_index)
        if minute < 4 * 60:
            return local_instant(day, time(minute // 60, minute % 60), self.zone)
        # Clocks change only in the small hours, so from 4:00 on the day's noon offset holds.
        offset = self._offsets.get(day_index)
        if offset is None:
            offset = self._offsets[day_index] = local_instant(day, time(12), self.zone).replace(
                tzinfo=None) - datetime.combine(day, time(12))
        return (datetime.combine(day, time()) + timedelta(minutes=minute) + offset).replace(tzinfo=UTC)

    def stored(self, day_index: int, minute: int) -> tuple[Any, str]:
        """(stored value, ISO text of the UTC instant) for a local day and minute."""
        key = day_index * 1440 + minute
        found = self._cache.get(key)
        if found is None:
            instant = self.instant(day_index, minute)
            found = (self.to_stored(instant), instant.isoformat())
            self._cache[key] = found
        return found


# --- The generator --------------------------------------------------------------------------------


@dataclass
class _Screened:
    """A patient's screenings as the booking rules will see them: (day index, allows IMS from day
    index or None, area keys), oldest first."""

    days: list[int] = field(default_factory=list)
    allows_from: list[int | None] = field(default_factory=list)
    areas: list[tuple[str, ...]] = field(default_factory=list)


class _Generator:
    def __init__(self, ctx: ServiceContext, actor: Actor, plan: ClinicPlan, session: Session,
                 rules: RuleTable) -> None:
        self.ctx, self.actor, self.plan, self.session, self.rules = ctx, actor, plan, session, rules
        self.rng = _Dice(plan.seed)
        self.connection = session.connection()
        self.writer = _Writer(self.connection)
        self.zone = ctx.zone
        self.now = ctx.now().astimezone(UTC)
        self.today = ctx.today()
        self.first_day = self.today - timedelta(days=plan.days_back)
        self.last_day = self.today + timedelta(days=plan.days_forward - 1) if plan.days_forward else self.today
        self.days = (self.last_day - self.first_day).days + 1
        self.today_index = plan.days_back
        local_now = self.now.astimezone(self.zone)
        self.now_minute = local_now.hour * 60 + local_now.minute
        settings = get_clinic_settings(ctx)
        self.late_minutes = settings.late_cancel_hours * 60
        self.rescreen_days = settings.rescreen_months * 30
        self.clock = _Clock(self.first_day, self.zone, self.writer.convert(Appointment.__table__, "starts_at"))
        self.stored_date = self.writer.convert(Patient.__table__, "date_of_birth")
        self.stored_bool = self.writer.convert(Patient.__table__, "archived")
        self.true, self.false = self.stored_bool(True), self.stored_bool(False)
        self.counts: Counter[str] = Counter()

    # -- ids -------------------------------------------------------------------------------------

    def run(self) -> None:
        bulky = self.plan.patients + (self.plan.appointments or 0) >= REBUILD_INDEXES_FROM
        dropped = self.drop_indexes() if bulky else []
        self.users_and_therapists()
        self.slot_grid()
        self.patients()
        self.screenings()
        self.appointments()
        self.restore_indexes(dropped)

    def _next_id(self, model) -> int:
        self.writer.drain()
        return (self.session.scalar(select(func.max(model.id))) or 0) + 1

    # -- users and therapists --------------------------------------------------------------------

    def users_and_therapists(self) -> None:
        session, rng, plan = self.session, self.rng, self.plan
        therapists = list(session.scalars(select(Therapist).where(Therapist.active.is_(True))
                                          .order_by(Therapist.sort_order, Therapist.id)))
        hours: dict[int, list[tuple[int, time, time]]] = {row.id: [] for row in therapists}
        for row in session.scalars(select(WorkingHours)):
            hours.setdefault(row.therapist_id, []).append((row.weekday, row.start_time, row.end_time))
        for row in therapists:
            # A made-up college registration number: IMS consent forms are printed only with one.
            if not row.registration_number:
                row.registration_number = f"PT{10_000 + row.id:05d}"
        next_therapist = self._next_id(Therapist)
        added = []
        names = [name for name in _THERAPIST_NAMES if name not in {t.full_name for t in therapists}]
        for offset in range(max(0, plan.therapists - len(therapists))):
            therapist_id = next_therapist + offset
            qualified = offset % 4 != 3
            added.append((
                therapist_id, names[offset % len(names)] if offset < len(names) else f"Therapist {therapist_id}",
                "Registered Physiotherapist", f"PT{10_000 + therapist_id:05d}", self.stored_bool(qualified),
                self.stored_date(self.first_day - timedelta(days=rng.randrange(30, 2000))) if qualified else None,
                self.true, _COLOURS[therapist_id % len(_COLOURS)], 100 + offset, 1,
            ))
            hours[therapist_id] = self._long_week(offset)
        self.writer.insert(Therapist.__table__, ("id", "full_name", "designation", "registration_number",
                                                 "ims_qualified", "ims_qualified_on", "active", "colour",
                                                 "sort_order", "version"), added)
        to_time = self.writer.convert(WorkingHours.__table__, "start_time")
        next_block = self._next_id(WorkingHours)
        blocks = []
        for therapist_id, *_ in added:
            for weekday, start, end in hours[therapist_id]:
                blocks.append((next_block, therapist_id, weekday, to_time(start), to_time(end)))
                next_block += 1
        self.writer.insert(WorkingHours.__table__, ("id", "therapist_id", "weekday", "start_time", "end_time"),
                           blocks)
        self.counts["therapists_added"] = len(added)
        self.therapist_ids = [t.id for t in therapists] + [row[0] for row in added]
        self.qualified = {t.id for t in therapists if t.ims_qualified} | {
            row[0] for row in added if row[4] == self.true}
        self.hours = hours

        self.writer.drain()
        existing = set(session.scalars(select(User.username)))
        linked = set(session.scalars(select(User.therapist_id).where(User.therapist_id.is_not(None))))
        next_user = self._next_id(User)
        created = self.clock.stored(-30, 8 * 60)[0]
        users = []
        self.reception_ids: list[int] = []
        for name in _RECEPTION_NAMES[:plan.reception_users]:
            username = _username(name, existing)
            users.append((next_user, username, name, Role.RECEPTION.value, None, self.true, None, 0, None, created))
            self.reception_ids.append(next_user)
            next_user += 1
        all_names = {t.id: t.full_name for t in therapists} | {row[0]: row[1] for row in added}
        self.therapist_user: dict[int, int] = {}
        for therapist_id in self.therapist_ids:
            if therapist_id in linked:
                continue
            username = _username(all_names[therapist_id], existing)
            users.append((next_user, username, all_names[therapist_id], Role.PHYSIOTHERAPIST.value, None,
                          self.true, therapist_id, 0, None, created))
            self.therapist_user[therapist_id] = next_user
            next_user += 1
        self.writer.insert(User.__table__, ("id", "username", "display_name", "role", "password_hash", "active",
                                            "therapist_id", "failed_sign_ins", "last_failed_at", "created_at"),
                           users)
        self.counts["users_added"] = len(users)
        if not self.reception_ids:
            self.reception_ids = [self.actor.user_id]
        self.reviewer_ids = [self.therapist_user[t] for t in self.therapist_ids
                             if t in self.qualified and t in self.therapist_user] or [self.actor.user_id]

    @staticmethod
    def _long_week(offset: int) -> list[tuple[int, time, time]]:
        """Weekly hours of an added therapist: long days, some with Saturdays, so a large clinic's
        twenty therapists can carry a busy book."""
        if offset % 3 == 0:
            days = [(weekday, time(7), time(12, 30)) for weekday in range(5)]
            days += [(weekday, time(13), time(20)) for weekday in range(5)]
            return [*days, (5, time(8), time(16))]
        if offset % 3 == 1:
            days = [(weekday, time(7), time(13)) for weekday in range(5)]
            days += [(weekday, time(13, 30), time(20)) for weekday in range(5)]
            return [*days, (5, time(8), time(16))]
        days = [(weekday, time(7, 30), time(12)) for weekday in range(6)]
        return days + [(weekday, time(12, 30), time(20)) for weekday in range(6)]

    # -- slot grid and time off ------------------------------------------------------------------

    def slot_grid(self) -> None:
        """Each therapist's slots per weekday (start minute, minutes); time off as whole weeks."""
        rng = self.rng
        self.writer.drain()
        types = list(self.session.scalars(select(AppointmentType).where(AppointmentType.active.is_(True))))
        if not types:
            raise ServiceError("The clinic has no appointment types, so no appointments can be generated.")
        for kind in types:
            # Made-up fees per visit, printed on the consent form, for the kinds that have none yet.
            if kind.fee_cents is None:
                kind.fee_cents = (9_500 if kind.is_ims else 8_500) + (2_000 if kind.duration_minutes >= 45 else 0)
        self.session.flush()
        durations = sorted({t.duration_minutes for t in types})
        self.types: dict[tuple[int, bool], int] = {}
        for kind in sorted(types, key=lambda t: t.sort_order):
            self.types.setdefault((kind.duration_minutes, bool(kind.is_ims)), kind.id)
        for duration in durations:
            fallback = self.types.get((duration, False)) or self.types.get((duration, True))
            self.types.setdefault((duration, False), fallback)
        short, long_ = durations[0], durations[-1]
        self.grid: dict[int, list[list[tuple[int, int]]]] = {}
        for therapist_id in self.therapist_ids:
            week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
            for weekday, start, end in sorted(self.hours.get(therapist_id, ())):
                cursor, stop = start.hour * 60 + start.minute, end.hour * 60 + end.minute
                while cursor + short <= stop:
                    length = long_ if rng.random() < 0.15 and cursor + long_ <= stop else short
                    week[weekday].append((cursor, length))
                    cursor += length
            self.grid[therapist_id] = week

        self.weekend: dict[tuple[int, int], list[tuple[int, int]]] = {}
        exceptions = []
        next_exception = self._next_id(ScheduleException)
        created = self.clock.stored(-60, 9 * 60)[0]
        cover = [t for t in self.therapist_ids if t in self.qualified][:self.plan.weekend_cover]
        for day_index in range(self.days):
            day = self.first_day + timedelta(days=day_index)
            if day.weekday() < 5 or not cover:
                continue
            for therapist_id in cover:
                if self.grid[therapist_id][day.weekday()]:
                    continue
                slots = [(minute, short) for minute in range(9 * 60, 13 * 60, short)]
                self.weekend[(therapist_id, day_index)] = slots
                exceptions.append((next_exception, therapist_id, "extra_hours", self.clock.stored(day_index, 9 * 60)[0],
                                   self.clock.stored(day_index, 13 * 60)[0], "Weekend clinic", self.false,
                                   created, self.actor.user_id))
                next_exception += 1

        self.away: set[tuple[int, int]] = set()
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        week_start = (monday - self.first_day).days
        this_week = self.today_index - self.today.weekday()
        while week_start < self.days:
            for therapist_id in self.therapist_ids:
                if week_start == this_week or rng.random() >= 2 / 52:
                    continue
                first, last = max(week_start, 0), min(week_start + 5, self.days)
                if first >= last:
                    continue
                self.away.update((therapist_id, index) for index in range(first, last))
                exceptions.append((next_exception, therapist_id, "time_off", self.clock.stored(first, 0)[0],
                                   self.clock.stored(last, 0)[0], rng.choice(("Vacation", "Vacation",
                                                                              "Course: IMS refresher",
                                                                              "Family leave")),
                                   self.false, self.clock.stored(first - 40, 9 * 60)[0], self.actor.user_id))
                next_exception += 1
            week_start += 7
        self.writer.insert(ScheduleException.__table__, ("id", "therapist_id", "kind", "starts_at", "ends_at",
                                                         "reason", "cancelled", "created_at", "created_by"),
                           exceptions)
        self.counts["time_off"] = sum(1 for row in exceptions if row[2] == "time_off")

    def _slots_of(self, therapist_id: int, day_index: int, weekday: int) -> list[tuple[int, int]]:
        if (therapist_id, day_index) in self.away:
            return []
        return self.weekend.get((therapist_id, day_index)) or self.grid[therapist_id][weekday]

    # -- patients --------------------------------------------------------------------------------

    def patients(self) -> None:
        rng, plan = self.rng, self.plan
        count = plan.patients
        pre_days = max(365, plan.days_back // 20)
        # Registration (day index, minute), in id order; nobody registers after now.
        days = sorted(rng.randrange(-pre_days, self.today_index + 1) for _ in range(count))
        self.registered: list[tuple[int, int]] = []
        for day_index in days:
            minute = 8 * 60 + 15 * rng.randrange(0, 36)
            if day_index == self.today_index:
                minute = min(minute, max(0, self.now_minute - 15) // 15 * 15)
            self.registered.append((day_index, minute))
        self.first_patient = self._next_id(Patient)
        phones = _PhoneBook(rng)
        keys: dict[str, str] = {}

        def key(text: str) -> str:
            found = keys.get(text)
            if found is None:
                found = keys[text] = search_key(text)
            return found

        rows = []
        for offset, (day_index, minute) in enumerate(self.registered):
            patient_id = self.first_patient + offset
            family, given, preferred = _person(rng)
            age_years = rng.randint(*rng.weighted(((6, 17), (18, 39), (40, 64), (65, 96)), (6, 30, 44, 20)))
            born = self.today - timedelta(days=age_years * 365 + rng.randrange(0, 365))
            phone, digits, shown_phone = phones.number()
            email = ""
            if rng.random() < 0.6:
                local = key(f"{given}.{family}").replace(" ", ".").replace("'", "")
                local = local if local.isascii() else f"patient{patient_id}"
                email = f"{local}{rng.randrange(1, 99)}@{rng.choice(('example.com', 'example.org', 'example.net'))}"
            town, postal = rng.choice(_TOWNS)
            address = (f"{rng.randint(10, 4999)} {rng.choice(_STREETS)}\n{town}, BC {postal} "
                       f"{rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVWXYZ')}{rng.randint(1, 9)}")
            emergency = "" if rng.random() < 0.3 else (
                f"{rng.choice(_NAME_GROUPS[0][2] + _NAME_GROUPS[0][3])} {family} ({rng.choice(_RELATIONS)}), "
                f"{phones.number()[2]}")
            payer = rng.weighted(("private_plan", "self_pay", "icbc", "worksafebc"), (55, 25, 12, 8))
            plan_details = rng.choice(_PLANS) if payer == "private_plan" else ""
            doctor, referral_date, claim = "", None, ""
            if payer in ("icbc", "worksafebc") or rng.random() < 0.15:
                doctor = rng.choice(_DOCTORS)
                referral_date = self.stored_date(self.first_day + timedelta(days=day_index - rng.randrange(1, 20)))
            if payer == "icbc":
                claim = f"{rng.choice('ABCEHKL')}{rng.randrange(1_000_000, 9_999_999)}"
            elif payer == "worksafebc":
                claim = f"{rng.randrange(10_000_000, 99_999_999)}"
            notes = rng.choice(_NOTES) if rng.random() < 0.08 else ""
            stamp = self.clock.stored(day_index, minute)[0]
            by = rng.choice(self.reception_ids)
            # Half of those with an email address agreed to reminders when they registered (no draw from
            # `rng`, so the rest of the generated clinic stays as it was).
            reminders = bool(email) and patient_id % 2 == 0
            agreed_on = self.stored_date(self.first_day + timedelta(days=day_index)) if reminders else None
            rows.append((
                patient_id, family, given, preferred, self.stored_date(born), phone, digits, shown_phone, email,
                address, emergency, payer, plan_details, doctor, referral_date, claim, notes, key(family), key(given),
                key(preferred), self.true if rng.random() < 0.015 else self.false, 1, stamp, by, stamp, by,
                self.true if reminders else self.false, agreed_on,
            ))
        self.counts["patients"] = self.writer.insert(Patient.__table__, (
            "id", "family_name", "given_names", "preferred_name", "date_of_birth", "phone", "phone_digits",
            "phone_display", "email", "address", "emergency_contact", "payer", "plan_details", "referral_doctor",
            "referral_date", "claim_number", "notes", "family_key", "given_key", "preferred_key",
            "archived", "version", "created_at", "created_by", "updated_at", "updated_by", "email_reminders",
            "email_reminders_agreed_on"), rows)

    # -- screenings ------------------------------------------------------------------------------

    def screenings(self) -> None:
        rng, plan = self.rng, self.plan
        total = plan.screenings
        count = plan.patients
        screened = min(count, total, max(1, round(count * 0.7)))
        chosen = sorted(rng.sample(range(count), screened)) if total else []
        events: list[tuple[int, int, int]] = []  # (day index, minute, patient offset)
        for offset in chosen:
            day_index, minute = self.registered[offset]
            events.append((day_index, minute + 15, offset))
        spans = [max(1, self.today_index - self.registered[offset][0]) for offset in chosen]
        for offset in (rng.choices(chosen, spans, k=total - screened) if chosen and total > screened else ()):
            first = self.registered[offset][0]
            day_index = rng.randint(min(first + 30, self.today_index), self.today_index)
            minute = 8 * 60 + 15 * rng.randrange(0, 36)
            if day_index == self.today_index:
                minute = min(minute, max(0, self.now_minute - 15) // 15 * 15)
            events.append((day_index, minute, offset))
        events.sort()
        showcase: dict[int, str] = {}
        if plan.guaranteed_levels:
            latest: dict[int, int] = {}
            for position, (_d, _m, offset) in enumerate(events):
                latest[offset] = position
            recent = sorted(latest.values(), reverse=True)
            for position, name in zip(recent, _SHOWCASE, strict=False):
                showcase[position] = name

        convert_answers = self.writer.convert(Screening.__table__, "answers")
        convert_assessment = self.writer.convert(Screening.__table__, "assessment")
        cache: dict[tuple, tuple[Any, tuple[str, str] | None, dict, int, date | None]] = {}
        first_id = self._next_id(Screening)
        self.screened: dict[int, _Screened] = {}
        latest_by_patient: dict[int, int] = {}
        rows: list[list] = []
        reviews = []
        levels: Counter[str] = Counter()
        for position, (day_index, minute, offset) in enumerate(events):
            screening_id = first_id + position
            patient_id = self.first_patient + offset
            on = self.first_day + timedelta(days=day_index)
            name = showcase.get(position) or rng.weighted(_TEMPLATES, _TEMPLATE_WEIGHTS).name
            template_name, _, region_name = name.partition(":")
            template = _BY_NAME[template_name]
            condition, areas, area_keys, surgery = self._planned(template, on, region_name)
            settled = surgery is None or template.surgery[0] > _SURGERY_SETTLED_DAYS
            if settled:
                # Same answers and areas, same assessment: only the day it was made differs.
                cache_key = (template.name, area_keys)
                found = cache.get(cache_key)
                if found is None:
                    answers = ScreeningAnswers({**_CLEAR, **template.answers}, (surgery,) if surgery else (), areas)
                    assessment = assess(answers, on, self.rules).to_dict()
                    # SQLite's driver takes the JSON as text: splice the day into it. Other drivers
                    # take an object, converted per row.
                    converted = convert_assessment({**assessment, "assessed_on": "\x00"})
                    split = tuple(converted.split('"\\u0000"')) if isinstance(converted, str) else None
                    found = (convert_answers(answers.to_dict()), split, assessment,
                             Level.from_key(assessment["level"]), None)
                    cache[cache_key] = found
                answers_stored, split, assessment, level, not_before = found
                if split is not None:
                    assessment_stored = f'{split[0]}"{on.isoformat()}"{split[1]}'
                else:
                    assessment_stored = convert_assessment({**assessment, "assessed_on": on.isoformat()})
                if surgery is not None:
                    answers_stored = convert_answers(
                        ScreeningAnswers({**_CLEAR, **template.answers}, (surgery,), areas).to_dict())
            else:
                answers = ScreeningAnswers({**_CLEAR, **template.answers}, (surgery,), areas)
                result = assess(answers, on, self.rules)
                answers_stored = convert_answers(answers.to_dict())
                assessment_stored = convert_assessment(result.to_dict())
                level, not_before = result.level, result.not_before
            levels[level.key] += 1
            screened_by = rng.choice(self.reception_ids)
            rows.append([screening_id, patient_id, self.clock.stored(day_index, minute)[0], self.stored_date(on),
                         screened_by, condition.label if condition else "Recovering movement after surgery",
                         answers_stored, assessment_stored, int(level),
                         self.stored_date(not_before) if not_before else None, None])
            previous = latest_by_patient.get(patient_id)
            if previous is not None:
                rows[previous - first_id][10] = screening_id
            latest_by_patient[patient_id] = screening_id
            allows = None
            if level is Level.ELIGIBLE:
                allows = day_index
            elif level is Level.NOT_YET and not_before is not None:
                allows = (not_before - self.first_day).days
            if level is Level.REVIEW and day_index < self.today_index - 1 and rng.random() < 0.75:
                decision = rng.weighted(_DECISIONS, (70, 20, 10))
                note = rng.choice(_REVIEW_NOTES[decision]) if decision in _REVIEW_NOTES else ""
                decided_day = min(day_index + rng.randint(1, 3), self.today_index - 1)
                reviews.append((screening_id, decision.value, note,
                                self.clock.stored(decided_day, 7 * 60 + 45)[0], rng.choice(self.reviewer_ids)))
                if decision is not ReviewDecision.decline:
                    allows = decided_day
            record = self.screened.setdefault(patient_id, _Screened())
            record.days.append(day_index)
            record.allows_from.append(allows)
            record.areas.append(area_keys)
        rows.reverse()  # newest first, so each superseded row points at one already written
        self.counts["screenings"] = self.writer.insert(Screening.__table__, (
            "id", "patient_id", "screened_at", "screened_on", "screened_by", "presenting_condition", "answers",
            "assessment", "level", "not_before", "superseded_by"), (tuple(row) for row in rows))
        next_review = self._next_id(ScreeningReview)
        self.counts["reviews"] = self.writer.insert(
            ScreeningReview.__table__, ("id", "screening_id", "decision", "note", "decided_at", "decided_by"),
            ((next_review + i, *row) for i, row in enumerate(reviews)))
        self.levels = {level.key: levels.get(level.key, 0) for level in Level}

    def _planned(self, template: _Template, on: date, region_name: str = ""
                 ) -> tuple[Condition | None, tuple[BodyArea, ...], tuple[str, ...], Surgery | None]:
        """The presenting condition, the areas to needle (and their keys), and the operation (if the
        answers have one)."""
        rng = self.rng
        side = rng.choice((Side.left, Side.right))
        if template.surgery is not None:
            region = Region(region_name) if region_name else rng.choice(_SURGERY_REGIONS)
            operated = BodyArea(region, side if region.is_paired else None)
            low, high = template.surgery
            surgery = Surgery(on - timedelta(days=rng.randint(low, high)), operated)
            near = _near(operated)
            planned = {operated} if template.surgery_planned else set()
            planned.add(rng.choice(near))
            areas = tuple(sorted(planned, key=lambda area: area.sort_key))
            return None, areas, _area_keys(areas), surgery
        condition = rng.choice(_CONDITIONS_WITH_AREAS if rng.random() < 0.85 else CONDITIONS)
        areas, keys = _areas_cache(condition, side)
        if not areas:
            areas, keys = _SINGLE_AREAS[int(rng.random() * len(ALL_AREAS))]
        return condition, areas, keys, None

    # -- appointments ----------------------------------------------------------------------------

    def appointments(self) -> None:
        rng, plan = self.rng, self.plan
        slots = 0
        for day_index in range(self.days):
            weekday = (self.first_day + timedelta(days=day_index)).weekday()
            for therapist_id in self.therapist_ids:
                slots += len(self._slots_of(therapist_id, day_index, weekday))
        if plan.appointments is not None:
            wanted = plan.appointments
        else:
            wanted = min(round(slots * plan.fill), plan.patients * 8)
        if wanted > slots:
            raise ServiceError(
                f"{wanted:,} appointments do not fit in the therapists' {slots:,} slots over these "
                f"{self.days:,} days; add therapists or days, or book fewer appointments.")
        self.counts["slots"] = slots
        episodes_wanted = max(1, wanted / 6)
        new_share = min(1.0, 0.95 * plan.patients / episodes_wanted)

        first_id = self._next_id(Appointment)
        first_event = self._next_id(AppointmentEvent)
        table = Appointment.__table__
        columns = ("id", "patient_id", "therapist_id", "type_id", "starts_at", "ends_at", "status", "area",
                   "notes", "series_id", "cancel_reason", "late_cancellation", "version", "created_at",
                   "created_by", "updated_at", "updated_by")
        event_columns = ("id", "appointment_id", "at", "by_user", "kind", "from_status", "to_status", "detail",
                         "undo_of")
        convert_detail = self.writer.convert(AppointmentEvent.__table__, "detail")
        # The 'booked' detail as the booking service writes it, stored once per therapist and series
        # flag with a slot for the start.
        details: dict[tuple[int, bool], tuple[str, str]] = {}
        text_json = isinstance(convert_detail({}), str)
        for therapist_id in self.therapist_ids:
            for with_series in (False, True):
                sample = {"starts_at": "\x00", "therapist_id": therapist_id}
                if with_series:
                    sample["series_id"] = "\x01"
                if text_json:
                    details[(therapist_id, with_series)] = tuple(convert_detail(sample).split('"\\u0000"'))

        queues: dict[int, list] = {t: [] for t in self.therapist_ids}
        resting: list[tuple[int, int, int]] = []  # (back from day, patient, last visit day)
        rest_low = max(7, min(30, self.days // 6))
        rest_high = max(rest_low + 1, min(400, self.days // 2))
        idle: list[int] = []
        next_new = 0
        sequence = 0
        statuses: Counter[str] = Counter()
        remaining_slots, remaining = slots, wanted
        appointment_id = first_id
        today_count = 0
        reception = self.reception_ids
        registered = self.registered
        patients = plan.patients
        first_patient = self.first_patient
        stored, cached = self.clock.stored, self.clock.lookup
        today_index, now_minute = self.today_index, self.now_minute
        now_abs = today_index * 1440 + now_minute // 15 * 15
        late_minutes = self.late_minutes
        random, heappush, heappop = rng.random, heapq.heappush, heapq.heappop
        true, false, types, qualified = self.true, self.false, self.types, self.qualified
        with_events = plan.booking_events
        gaps, leads = (3, 4, 7, 7, 7, 7, 10, 14), (1, 1, 2, 3, 5, 7, 7, 7, 10, 14, 21)

        batch: list[tuple] = []
        events: list[tuple] = []

        def flush() -> None:
            self.writer.insert(table, columns, batch[:])
            if with_events:
                self.writer.insert(AppointmentEvent.__table__, event_columns, events[:])
            batch.clear()
            events.clear()

        for day_index in range(self.days):
            weekday = (self.first_day + timedelta(days=day_index)).weekday()
            while resting and resting[0][0] <= day_index:
                idle.append(heappop(resting)[1])
            for therapist_id in self.therapist_ids:
                queue = queues[therapist_id]
                for minute, length in self._slots_of(therapist_id, day_index, weekday):
                    take = random() * remaining_slots < remaining
                    remaining_slots -= 1
                    if not take:
                        continue
                    # Who comes: the next patient due in this therapist's care, else a new course.
                    if queue and queue[0][0] <= day_index and queue[0][2][3] < day_index:
                        episode = heappop(queue)[2]
                    else:
                        patient = -1
                        if (random() < new_share or not idle) and next_new < patients \
                                and registered[next_new][0] < min(day_index, today_index):
                            patient = next_new
                            next_new += 1
                        elif idle:
                            pick = int(random() * len(idle))
                            idle[pick], idle[-1] = idle[-1], idle[pick]
                            patient = idle.pop()
                        if patient < 0 and resting and resting[0][2] < day_index:
                            patient = heappop(resting)[1]
                        if patient < 0:
                            continue
                        visits = 1 + min(int(rng.expovariate(1 / 5)), 24)
                        series = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if random() < 0.3 else None
                        ims = (False, "")
                        if therapist_id in qualified and random() < 0.8:
                            ims = self._ims_area(first_patient + patient, day_index)
                        episode = [patient, visits, ims, -1, series]
                    remaining -= 1
                    patient, _visits, (is_ims, area), _last, series = episode
                    episode[1] -= 1
                    episode[3] = day_index
                    sequence += 1
                    if episode[1] > 0:
                        heappush(queue, (day_index + gaps[int(random() * 8)], sequence, episode))
                    else:
                        heappush(resting, (day_index + rest_low + int(random() * (rest_high - rest_low)),
                                           patient, day_index))
                    type_id = (is_ims and types.get((length, True))) or types[(length, False)]
                    end_minute = minute + length

                    # When it was booked: before the visit, after registration, never after now.
                    reg_day, reg_minute = registered[patient]
                    book_day = day_index - leads[int(random() * 11)]
                    if book_day >= today_index:
                        book_day = today_index - 1
                    if book_day < reg_day:
                        book_day = reg_day
                    book_minute = 480 + 15 * int(random() * 36)
                    if book_day == reg_day and book_minute <= reg_minute:
                        book_minute = reg_minute + 15
                    start_abs = day_index * 1440 + minute
                    book_abs = book_day * 1440 + book_minute
                    if book_abs >= start_abs:
                        book_abs = start_abs - 30
                    booked_by = reception[int(random() * len(reception))]

                    # What became of it.
                    status, reason, late, changed = "booked", "", False, book_abs
                    draw = random()
                    if day_index < today_index or (day_index == today_index and end_minute <= now_minute):
                        if draw < 0.07:
                            status = "cancelled"
                        elif draw < 0.11:
                            status = "no_show"
                            changed = start_abs + 15
                        elif draw < 0.12 and day_index < today_index:
                            pass
                        else:
                            status = "completed"
                            changed = start_abs + length
                    elif day_index == today_index and minute <= now_minute:
                        status = "arrived"
                        changed = start_abs - 5
                    elif draw < 0.05:
                        status = "cancelled"
                    if status == "cancelled":
                        reason = _CANCEL_REASONS[int(random() * len(_CANCEL_REASONS))]
                        if start_abs > now_abs:
                            cancel_abs = now_abs - 15 * int(random() * 20)
                        elif late_minutes > 75 and random() < 0.3:
                            cancel_abs = start_abs - 60 - 15 * int(random() * ((late_minutes - 60) // 15))
                        else:
                            cancel_abs = start_abs - late_minutes - 60 - 15 * int(random() * 1000)
                        cancel_abs = max(book_abs, min(max(cancel_abs, book_abs + 15), start_abs - 15, now_abs))
                        late = start_abs - cancel_abs < late_minutes
                        changed = cancel_abs
                    statuses[status] += 1
                    if day_index == today_index:
                        today_count += 1

                    start_stored, start_iso = cached(start_abs) or stored(day_index, minute)
                    created = (cached(book_abs) or stored(0, book_abs))[0]
                    if changed == book_abs:
                        updated, version, updated_by = created, 1, booked_by
                    else:
                        updated = (cached(changed) or stored(0, changed))[0]
                        version, updated_by = 2, reception[int(random() * len(reception))]
                    batch.append((appointment_id, first_patient + patient, therapist_id, type_id, start_stored,
                                  (cached(start_abs + length) or stored(day_index, end_minute))[0], status, area,
                                  "", series, reason, true if late else false, version, created, booked_by,
                                  updated, updated_by))
                    if with_events and text_json:
                        head, tail = details[(therapist_id, series is not None)]
                        detail = f'{head}"{start_iso}"{tail}'
                        if series:
                            detail = detail.replace('"\\u0001"', f'"{series}"')
                    elif with_events:
                        sample = {"starts_at": start_iso, "therapist_id": therapist_id}
                        if series:
                            sample["series_id"] = series
                        detail = convert_detail(sample)
                    if with_events:
                        events.append((first_event + appointment_id - first_id, appointment_id, created, booked_by,
                                       "booked", None, "booked", detail, None))
                    appointment_id += 1
                    if len(batch) >= CHUNK:
                        flush()
        flush()
        self.counts["appointments"] = appointment_id - first_id
        self.counts["events"] = appointment_id - first_id if plan.booking_events else 0
        self.counts["today"] = today_count
        self.statuses = {status: statuses.get(status, 0) for status in _STATUS_ORDER}

    def _ims_area(self, patient_id: int, day_index: int) -> tuple[bool, str]:
        """Whether the patient's screening allows IMS on that day, and the area to needle."""
        record = self.screened.get(patient_id)
        if record is None:
            return False, ""
        position = -1
        for index, screened_day in enumerate(record.days):
            if screened_day <= day_index:
                position = index
        if position < 0 or day_index - record.days[position] > self.rescreen_days:
            return False, ""
        allows = record.allows_from[position]
        if allows is None or allows > day_index:
            return False, ""
        return True, record.areas[position][0]

    def drop_indexes(self) -> list[str]:
        """On SQLite, the secondary indexes of the tables filled in bulk, dropped so that each is
        rebuilt in one sorted pass at the end; their exact definitions are returned for that."""
        if self.connection.dialect.name != "sqlite":
            return []
        self.writer.drain()
        rows = self.connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('patients', 'screenings', 'appointments', 'appointment_events')").all()
        for name, _sql in rows:
            self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]

    def restore_indexes(self, statements: list[str]) -> None:
        self.writer.drain()
        for sql in statements:
            self.connection.exec_driver_sql(sql)


_STATUS_ORDER = ("completed", "booked", "arrived", "cancelled", "no_show")
_CONDITIONS_WITH_AREAS = tuple(condition for condition in CONDITIONS if condition.regions)
_AREAS: dict[tuple[str, Side], tuple[tuple[BodyArea, ...], tuple[str, ...]]] = {}
_SINGLE_AREAS = tuple(((area,), (area.key,)) for area in ALL_AREAS)
#: An operation this many days back no longer holds up needling anywhere (3 months, 6 weeks).
_SURGERY_SETTLED_DAYS = 93


def _areas_cache(condition: Condition, side: Side) -> tuple[tuple[BodyArea, ...], tuple[str, ...]]:
    key = (condition.key, side)
    if key not in _AREAS:
        areas = areas_for(condition, side)
        _AREAS[key] = (areas, tuple(area.key for area in areas))
    return _AREAS[key]


_KEYS: dict[tuple[BodyArea, ...], tuple[str, ...]] = {}
_NEAR: dict[BodyArea, tuple[BodyArea, ...]] = {}


def _area_keys(areas: tuple[BodyArea, ...]) -> tuple[str, ...]:
    found = _KEYS.get(areas)
    if found is None:
        found = _KEYS[areas] = tuple(area.key for area in areas)
    return found


def _near(area: BodyArea) -> tuple[BodyArea, ...]:
    found = _NEAR.get(area)
    if found is None:
        found = _NEAR[area] = adjacent_areas(area)
    return found


def _username(name: str, taken: set[str]) -> str:
    base = ".".join(search_key(name).replace("-", " ").replace("'", "").split())[:60] or "user"
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}{number}"
        number += 1
    taken.add(candidate)
    return candidate


def _person(rng: _Dice) -> tuple[str, str, str]:
    """(family, given, preferred) from one of the name groups; some have a second given name or a
    hyphenated family name, some a preferred name."""
    group = rng.weighted(_NAME_GROUPS, _GROUP_WEIGHTS)
    _weight, families, women, men, preferred_names = group
    female = rng.random() < 0.55
    family = rng.choice(families)
    if family in _RUSSIAN_FEMININE and female:
        family += "а"
    given = rng.choice(women if female else men)
    if group is _NAME_GROUPS[0] and rng.random() < 0.25:
        given = f"{given} {rng.choice(women if female else men)}"
    if group is _NAME_GROUPS[0] and rng.random() < 0.04:
        family = f"{family}-{rng.choice(_NAME_GROUPS[rng.randrange(1, len(_NAME_GROUPS))][1])}"
    preferred = ""
    if preferred_names and rng.random() < (0.35 if not family.isascii() or not given.isascii() else 0.1):
        preferred = rng.choice(preferred_names)
    return family, given, preferred


class _PhoneBook:
    """British Columbia numbers (250, 604, 778). Each exchange is checked once with the same
    `parse_phone` the patient form uses; a number's stored form and search digits follow from it."""

    def __init__(self, rng: _Dice) -> None:
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


# --- The entry point ------------------------------------------------------------------------------


def generate_clinic(ctx: ServiceContext, actor: Actor, plan: ClinicPlan, *, action: str = "generate"
                    ) -> GeneratedClinic:
    """Write the clinic `plan` describes into the open database in one transaction, around
    `ctx.today()`; an administrator's job. Adds to what is there (ids continue after the highest)."""
    if not actor.may(Permission.MANAGE_SETTINGS):
        raise PermissionDenied("Only an administrator may fill the database with generated data.")
    started = timer.perf_counter()
    rules = screening_rules(ctx)
    engine = ctx.database.engine
    with engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection
        if is_sqlite:
            # Before BEGIN: SQLite refuses to change the safety level inside a transaction.
            synchronous = raw.execute("PRAGMA synchronous").fetchone()[0]
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]
            foreign_keys = raw.execute("PRAGMA foreign_keys").fetchone()[0]
            raw.execute("PRAGMA synchronous = OFF")
            # Every reference is made by construction (and `frontdesk check` verifies them).
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute(f"PRAGMA cache_size = -{GENERATION_CACHE_KIB}")
        try:
            writing = connection.execution_options(**{WRITE_OPTION: True})
            with Session(bind=writing) as session:
                generator = _Generator(ctx, actor, plan, session, rules)
                try:
                    generator.run()
                finally:
                    generator.writer.close()
                # Rows were written with their ids: the next ordinary insert must not reuse one.
                advance_id_sequences(session.connection())
                counts = generator.counts
                append_audit(session, ctx, actor, action, "clinic", None, None, {
                    "seed": plan.seed, "patients": counts["patients"], "screenings": counts["screenings"],
                    "appointments": counts["appointments"], "first_day": generator.first_day.isoformat(),
                    "last_day": generator.last_day.isoformat(),
                })
                session.commit()
        finally:
            if is_sqlite:
                raw.execute(f"PRAGMA synchronous = {synchronous}")
                raw.execute(f"PRAGMA foreign_keys = {foreign_keys}")
                raw.execute(f"PRAGMA cache_size = {cache}")
    if is_sqlite:
        with engine.connect() as connection:
            # Fold the write-ahead log into the file now rather than at the app's first start.
            connection.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return GeneratedClinic(
        first_day=generator.first_day,
        last_day=generator.last_day,
        therapists_added=counts["therapists_added"],
        therapists=len(generator.therapist_ids),
        users_added=counts["users_added"],
        patients=counts["patients"],
        screenings=counts["screenings"],
        reviews=counts["reviews"],
        appointments=counts["appointments"],
        events=counts["events"],
        time_off=counts["time_off"],
        slots=counts["slots"],
        statuses=generator.statuses,
        levels=generator.levels,
        today_appointments=counts["today"],
        seconds=timer.perf_counter() - started,
    )
