"""python manage.py seed_synthetic: a large synthetic jurisdiction for dashboards and benchmarks.

    python manage.py seed_synthetic [--subitems 20000] [--months 12] [--year YYYY] [--seed 1]
        [--jurisdiction 合成区] [--plans 4] [--username synth_supervisor] [--replace]

Fills the database with one jurisdiction (default 合成区): a few yearly plans (民生实事, 民心工程,
重点工作, 为民办实事) with categories, numbered projects and their sub-items, about 80 units with
their responsible persons, 15 leaders in charge, about four milestones per sub-item (quarter
ends or month-ends), indicators with cumulative quarterly targets on about a third of the
sub-items, and a monthly progress report for every sub-item for the first --months months of
--year (default: last year, so that every month is in the past). Reports are spread the way a
real year looks: most on track, some lagging from some month on (with overdue milestones and
indicators below 序时进度), some ahead, some completed early (and not reported again), some
not started for the first months; a few are missing, a few are drafts or returned, and the
latest month still has reports waiting for review. Milestones are marked achieved mostly on
time, sometimes a quarter early, sometimes late or never. Then it computes the stored status of
every sub-item and month (progress.statuses.refresh_statuses) and prints the credentials of a
supervisor of the jurisdiction.

The same --seed gives the same rows (names, dates, values, statuses; not the primary keys).
A second run into a jurisdiction that already has plans is refused unless --replace, which
first deletes that jurisdiction's plans and everything under them (units, persons and leaders
are kept and reused).

Written for volume: rows are built as plain values and written with bulk_create in chunks of
projects, so that memory stays flat. Synthetic rows get no history records (bulk_create
bypasses django-simple-history, and a benchmark does not need who-changed-what for invented
data); --replace deletes with plain SQL for the same reason. On PostgreSQL the tables are
vacuumed and analyzed at the end, so that the planner has statistics for the new rows.
"""

from __future__ import annotations

import calendar
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from progress.models import IndicatorValue, ItemStatus, ProgressReport, Status
from progress.statuses import refresh_statuses, status_rules
from projects import roles
from projects.models import (
    Category,
    CoUnit,
    Indicator,
    IndicatorTarget,
    Jurisdiction,
    Leader,
    Milestone,
    Person,
    Plan,
    Project,
    SubItem,
    Unit,
    User,
)
from projects.naming import chinese_ordinal, unit_key

DEFAULT_JURISDICTION = "合成区"
DEFAULT_USERNAME = "synth_supervisor"
DEFAULT_PASSWORD = "synth12345"
BATCH = 2000  # rows per INSERT
CHUNK_SUBITEMS = 2000
COUNTED = (
    ProgressReport.State.SUBMITTED,
    ProgressReport.State.APPROVED,
)  # sub-items generated and written per step (memory stays flat)

PLAN_KINDS = [
    (Plan.Kind.LIVELIHOOD, "民生实事项目"),
    (Plan.Kind.PEOPLES_HEART, "民心工程"),
    (Plan.Kind.KEY_TASKS, "重点工作任务"),
    (Plan.Kind.LIVELIHOOD, "为民办实事项目"),
    (Plan.Kind.PEOPLES_HEART, "惠民实事项目"),
    (Plan.Kind.KEY_TASKS, "改革攻坚任务"),
]
DEPARTMENTS = [
    "区教育局", "区民政局", "区卫健委", "区住建委", "区人社局", "区总工会", "区残联",
    "区农业农村委", "区发展改革委", "区商务局", "区城管委", "区武装部", "区财政局",
    "区规划资源局", "区生态环境局", "区水务局", "区交通运输委", "区文化旅游局", "区体育局",
    "区市场监管局", "区应急局", "区公安分局", "区司法局", "区医保局", "区退役军人局", "区妇联",
    "团区委", "区科技局", "区工信局", "区数据局", "区综合行政执法局", "区消防救援支队",
    "区供电公司", "区城投集团", "区园林中心", "区疾控中心", "区红十字会", "区科协",
    "区融媒体中心", "区档案馆", "区审计局", "区统计局", "区信访办", "区税务局", "区粮食和物资储备局",
    "区人防办", "区金融局", "区国资委", "区行政审批局", "区机关事务管理局", "区投资促进局",
    "区卫生监督所", "区妇幼保健院", "区人民医院", "区中医医院", "区图书馆", "区文化馆",
    "区青少年活动中心",
]  # fmt: skip
TOWNS = [
    "杨柳青镇", "辛口镇", "张家窝镇", "精武镇", "中北镇", "大寺镇", "王稳庄镇", "李七庄街",
    "西营门街", "赤龙南街", "津门湖街", "兴华街", "东湖街", "南河镇", "北辰街", "青山镇",
    "柳林街", "桃园街", "梨园镇", "石桥镇", "新华街", "永安镇",
]  # fmt: skip
LEADERS = [
    "柴树芳", "梁军", "张一谋", "张建凤", "陈力予", "王立新", "刘海涛", "孙晓明", "李红梅",
    "赵德华", "周志强", "吴宏伟", "郑文静", "黄国栋", "何秀兰",
]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娥玲芬建国亮树金星林瑞凤景"
CATEGORY_VERBS = ["增加", "着力完善", "提升", "改善", "着力促进", "关心关爱", "加快推进",
                  "巩固提升", "全面提升", "优化", "健全", "强化"]  # fmt: skip
CATEGORY_NOUNS = [
    "教育资源配置", "养老服务", "医疗服务设施", "群众居住条件", "就业创业", "特殊群体", "乡村振兴",
    "设施农业水平", "绿色低碳出行", "为民服务水平", "优质人居环境", "创文成果", "水质生态",
    "公共文化服务", "全民健身设施", "食品安全保障", "社会救助体系", "托育服务供给", "交通出行条件",
    "社区治理能力", "平安建设水平", "城市更新", "便民消费环境", "数字政务服务", "防灾减灾能力",
]  # fmt: skip
PROJECT_VERBS = ["实施", "新建", "改造", "建成", "开展", "提升改造", "推进", "完善"]
PROJECT_THINGS = [
    "社区公园", "养老服务设施", "卫生服务站室", "老旧住房改造工程", "农村房屋安全隐患排查整治",
    "就业培训工程", "职工暖心行动", "心理健康服务", "美丽乡村建设工程", "高标准农田",
    "种植业老旧棚室", "新能源汽车公共充电桩", "电动自行车充电设施", "菜市场", "街景绿地",
    "道路绿化", "市容环境整治提升工程", "市政基础设施提升工程", "水环境修复提升工程",
    "社区食堂", "托育服务中心", "口袋公园", "体育健身场地", "公共厕所", "停车泊位",
    "雨污分流改造", "燃气管网更新", "便民服务中心", "图书馆分馆", "学校操场",
]  # fmt: skip
# indicator name, measure, yearly total range: cumulative quarterly targets
INDICATORS = [
    ("新增就业", "人", (2000, 30000)),
    ("职业技能培训", "人次", (1000, 12000)),
    ("农村危房整治", "户", (100, 1500)),
    ("新能源汽车公共充电桩", "台", (40, 400)),
    ("心理健康知识讲座", "场", (8, 60)),
    ("老旧小区改造", "个", (8, 60)),
    ("口袋公园", "处", (6, 40)),
    ("高标准农田建设", "亩", (2000, 12000)),
    ("助餐服务", "人次", (5000, 50000)),
    ("家政服务人员培训", "人次", (300, 3000)),
    ("新增停车泊位", "个", (200, 3000)),
    ("燃气管网改造", "公里", (10, 120)),
]  # fmt: skip
STAGES = [
    ["制定实施方案", "项目选址、设计", "完成前期调研摸底", "确定工程量，制定施工方案",
     "选定招标代理公司，进行意向公开", "启动前期手续办理", "需求调查摸底"],
    ["完成招标，确定施工单位", "签订施工合同，进场施工", "组织评审论证审批", "完成设计，启动建设",
     "完成项目可行性研究和初步设计"],
    ["推进施工建设", "完成主体工程", "完成工程量的80%", "开展项目建设", "完成设备采购和安装调试"],
    ["竣工验收，投入使用", "完工验收", "完成年度工作任务，整理归档", "全面完成目标任务",
     "完成项目验收，正常运行"],
]  # fmt: skip
LAG_REASONS = ["受雨季影响，施工进度放缓", "征地拆迁协调难度较大", "资金拨付尚未到位",
               "设计方案调整，需重新审批", "施工单位组织力量不足"]  # fmt: skip
AHEAD_REASONS = ["提前完成招标并进场施工", "群众需求旺盛，提前组织实施", "资金提前到位，加快推进"]
# sub-item profiles and their weights: how the year goes for it
PROFILES = ["steady", "lagging", "ahead", "early_done", "slow_start"]
PROFILE_WEIGHTS = [68, 12, 8, 6, 6]
SUB_PER_PROJECT = [1, 2, 3, 4, 5, 6]
SUB_WEIGHTS = [45, 20, 15, 10, 6, 4]  # mean 2.2 sub-items per project


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class Counts:
    rows: Counter = field(default_factory=Counter)
    states: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    timings: dict = field(default_factory=dict)


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic jurisdiction (plans, units, leaders, milestones, "
        "indicators, monthly reports and stored statuses) for dashboards and benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--subitems", type=int, default=20000, help="sub-items (20000)")
        parser.add_argument(
            "--months", type=int, default=12, help="reports for the first N months (12)"
        )
        parser.add_argument(
            "--year", type=int, default=None, help="the plans' year (default: last year)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
        parser.add_argument(
            "--jurisdiction", default=DEFAULT_JURISDICTION, help=f"name ({DEFAULT_JURISDICTION})"
        )
        parser.add_argument("--plans", type=int, default=4, help="yearly plans (4, at most 6)")
        parser.add_argument(
            "--username", default=DEFAULT_USERNAME, help=f"supervisor ({DEFAULT_USERNAME})"
        )
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="the supervisor's password"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the jurisdiction's plans (and everything under them) first",
        )

    def handle(self, *args, **opts):
        year = opts["year"] or timezone.localdate().year - 1
        months, n_sub, n_plans = opts["months"], opts["subitems"], opts["plans"]
        if not 1 <= months <= 12:
            raise CommandError("--months must be between 1 and 12")
        if n_sub < 1:
            raise CommandError("--subitems must be at least 1")
        if not 1 <= n_plans <= len(PLAN_KINDS):
            raise CommandError(f"--plans must be between 1 and {len(PLAN_KINDS)}")
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100")
        name = opts["jurisdiction"]
        self._check_user(opts["username"], name)

        started = time.perf_counter()
        counts = Counts()
        seeder = Seeder(
            name=name, year=year, months=months, n_sub=n_sub, n_plans=n_plans, seed=opts["seed"]
        )
        with transaction.atomic():
            jurisdiction = Jurisdiction.objects.filter(name=name).first()
            if jurisdiction and Plan.objects.filter(jurisdiction=jurisdiction).exists():
                if not opts["replace"]:
                    raise CommandError(
                        f"{name} already has plans: pass --replace to delete them and seed again, "
                        "or --jurisdiction NAME for another jurisdiction"
                    )
                t0 = time.perf_counter()
                deleted = delete_plans(jurisdiction)
                counts.timings["delete"] = time.perf_counter() - t0
                self.stdout.write(
                    f"deleted {name}'s plans: {deleted} rows in {counts.timings['delete']:.1f} s"
                )
            if jurisdiction is None:
                jurisdiction = Jurisdiction.objects.create(name=name)
            plan_ids = seeder.run(jurisdiction, counts)
            t0 = time.perf_counter()
            counts.rows["item statuses"] = refresh_statuses(plan_ids=plan_ids)
            counts.timings["statuses"] = time.perf_counter() - t0
            user = self._supervisor(opts["username"], opts["password"], jurisdiction)
        if connection.vendor == "postgresql":
            # After a bulk load (and a --replace's deletes): fresh statistics for the planner
            # and no dead rows. Autovacuum may be off or not have run yet; without statistics
            # the dashboards' joins are planned for one row each.
            t0 = time.perf_counter()
            vacuum_analyze()
            counts.timings["vacuum analyze"] = time.perf_counter() - t0
        total = time.perf_counter() - started
        self._print(name, year, months, opts["seed"], counts, total, user, opts["password"])

    # -- the supervisor ---------------------------------------------------------------------
    def _check_user(self, username: str, jurisdiction: str) -> None:
        user = User.objects.filter(username=username).select_related("jurisdiction").first()
        if user and (user.jurisdiction is None or user.jurisdiction.name != jurisdiction):
            raise CommandError(
                f"user {username} exists and does not belong to {jurisdiction}: "
                "pass --username NAME for the synthetic supervisor"
            )

    def _supervisor(self, username: str, password: str, jurisdiction: Jurisdiction) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
        user.jurisdiction, user.unit = jurisdiction, None
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        user.email = f"{username}@example.com"
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=roles.SUPERVISOR)[0]])
        return user

    def _print(self, name, year, months, seed, counts, total, user, password) -> None:
        w = self.stdout.write
        w("")
        w(f"{name} {year}: reports for {year}-01…{year}-{months:02d}, seed {seed}")
        for kind, n in counts.rows.items():
            w(f"  {kind:<22}{n:>10,}")
        if counts.states:
            w(
                "  reports by state      "
                + ", ".join(f"{k} {v:,}" for k, v in counts.states.items())
            )
            w(
                "  reports by status     "
                + ", ".join(f"{k} {v:,}" for k, v in counts.statuses.most_common())
            )
        w("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in counts.timings.items()))
        w(f"total {total:.1f} s on {connection.vendor}")
        w(f"supervisor of {name}: username {user.username}  password {password}")


WRITTEN = (
    Unit, Person, Leader, Plan, Category, Project, SubItem, CoUnit, SubItem.persons.through,
    SubItem.leaders.through, Project.leaders.through, Milestone, Indicator, IndicatorTarget,
    ProgressReport, IndicatorValue, ProgressReport.milestones_achieved.through, ItemStatus,
)  # fmt: skip


def vacuum_analyze() -> None:
    """PostgreSQL only. VACUUM cannot run inside a transaction (a caller's, or a test's):
    there, ANALYZE alone."""
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in WRITTEN)
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {tables}")


# ---------------------------------------------------------------------------------------------
# Deleting a jurisdiction's plans
# ---------------------------------------------------------------------------------------------


def delete_plans(jurisdiction: Jurisdiction) -> int:
    """Delete the jurisdiction's plans and every row that cascades from them, children first,
    with one DELETE per table whose WHERE is a subquery up to the plans. The ORM's delete()
    would load every row and write a history row for each; synthetic data needs neither.
    SET_NULL references are cleared, PROTECT ones stop it (the transaction rolls back)."""
    return _raw_cascade(Plan.objects.filter(jurisdiction=jurisdiction))


def _raw_cascade(qs: models.QuerySet) -> int:
    deleted = 0
    for rel in qs.model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        on_delete = rel.on_delete
        children = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": qs})
        if on_delete is models.CASCADE:
            deleted += _raw_cascade(children)
        elif on_delete is models.SET_NULL:
            children.update(**{rel.field.name: None})
        elif on_delete is models.DO_NOTHING:
            continue  # history tables: not constrained
        elif children.exists():
            raise CommandError(
                f"{rel.related_model._meta.label} rows still refer to the plans "
                f"({on_delete.__name__}): delete them first"
            )
    sql, params = qs.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(qs.model._meta.db_table)
    pk = connection.ops.quote_name(qs.model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({sql})", params)
        deleted += max(cursor.rowcount, 0)
    return deleted


# ---------------------------------------------------------------------------------------------
# Generating
# ---------------------------------------------------------------------------------------------


@dataclass
class SubSpec:
    """One sub-item as generated, before it has a primary key."""

    obj: SubItem
    co_units: list[Unit]
    persons: list[Person]
    leaders: list[Leader]
    milestones: list[Milestone]
    indicators: list[tuple[Indicator, list[IndicatorTarget]]]
    profile: str
    params: dict


class Seeder:
    def __init__(self, *, name: str, year: int, months: int, n_sub: int, n_plans: int, seed: int):
        self.name, self.year, self.months = name, year, months
        self.n_sub, self.n_plans = n_sub, n_plans
        self.rnd = random.Random(seed)
        self.tz = timezone.get_current_timezone()
        self.quarter_ends = [month_end(year, m) for m in (3, 6, 9, 12)]

    # -- structure --------------------------------------------------------------------------
    def run(self, jurisdiction: Jurisdiction, counts: Counts) -> list[int]:
        self.counts = counts
        t0 = time.perf_counter()
        self._people(jurisdiction)
        plans = self._plans(jurisdiction)
        counts.timings["units, leaders, plans"] = time.perf_counter() - t0
        self.t_structure = self.t_reports = 0.0
        per_plan = [
            self.n_sub // len(plans) + (i < self.n_sub % len(plans)) for i in range(len(plans))
        ]
        for plan, quota in zip(plans, per_plan, strict=True):
            self._plan_items(plan, quota)
        counts.timings["items"] = self.t_structure
        counts.timings["reports"] = self.t_reports
        return [p.pk for p in plans]

    def _people(self, jurisdiction: Jurisdiction) -> None:
        rnd = self.rnd
        existing = {u.key: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
        new = []
        self.units: list[Unit] = []
        for name in DEPARTMENTS + TOWNS:
            key = unit_key(name)
            unit = existing.get(key)
            if unit is None:
                # bulk_create skips Unit.save(), which sets the key: set it here
                unit = Unit(jurisdiction=jurisdiction, name=name, key=key)
                existing[key] = unit
                new.append(unit)
            self.units.append(unit)
        Unit.objects.bulk_create(new, batch_size=BATCH)
        self.departments = self.units[: len(DEPARTMENTS)]
        self.towns = self.units[len(DEPARTMENTS) :]
        # lead units: a few departments lead many items, as in real lists
        self.lead_weights = [
            (30 if i < 8 else 10 if i < 25 else 4) if i < len(DEPARTMENTS) else 3
            for i in range(len(self.units))
        ]
        have = {
            (p.unit_id, p.name): p for p in Person.objects.filter(unit__jurisdiction=jurisdiction)
        }
        new_persons = []
        self.persons: dict[int, list[Person]] = {}
        for unit in self.units:
            names: list[str] = []
            for _ in range(rnd.choice((1, 2, 2, 3))):
                n = rnd.choice(SURNAMES) + "".join(
                    rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2)))
                )
                if n not in names:
                    names.append(n)
            people = []
            for n in names:
                person = have.get((unit.pk, n))
                if person is None:
                    person = Person(unit=unit, name=n)
                    new_persons.append(person)
                people.append(person)
            self.persons[unit.pk] = people
        Person.objects.bulk_create(new_persons, batch_size=BATCH)
        leaders = {le.name: le for le in Leader.objects.filter(jurisdiction=jurisdiction)}
        new_leaders = [
            Leader(jurisdiction=jurisdiction, name=n) for n in LEADERS if n not in leaders
        ]
        Leader.objects.bulk_create(new_leaders, batch_size=BATCH)
        leaders.update({le.name: le for le in new_leaders})
        self.leaders = [leaders[n] for n in LEADERS]
        self.counts.rows["units"] = len(self.units)
        self.counts.rows["persons"] = sum(len(p) for p in self.persons.values())
        self.counts.rows["leaders"] = len(self.leaders)

    def _plans(self, jurisdiction: Jurisdiction) -> list[Plan]:
        plans = [
            Plan(
                jurisdiction=jurisdiction,
                year=self.year,
                title=f"{self.name}{self.year}年{title}（合成）",
                kind=kind,
                reporting_cycle=Plan.Cycle.MONTHLY,
                source_file="seed_synthetic",
            )
            for kind, title in PLAN_KINDS[: self.n_plans]
        ]
        Plan.objects.bulk_create(plans)
        self.counts.rows["plans"] = len(plans)
        return plans

    def _plan_items(self, plan: Plan, quota: int) -> None:
        """Categories, then projects with their sub-items, written every CHUNK_SUBITEMS."""
        rnd = self.rnd
        nouns = [f"{v}{n}" for v in CATEGORY_VERBS for n in CATEGORY_NOUNS]
        rnd.shuffle(nouns)
        made, number, order_cat = 0, 0, 0
        categories: list[Category] = []
        projects: list[Project] = []
        project_leaders: list[tuple[Project, list[Leader]]] = []
        subs: list[SubSpec] = []
        left_in_category = 0
        category = None
        while made < quota:
            if left_in_category == 0:
                order_cat += 1
                category = Category(
                    plan=plan,
                    name=f"{chinese_ordinal(order_cat)}、{nouns[(order_cat - 1) % len(nouns)]}",
                    order=order_cat,
                )
                categories.append(category)
                left_in_category = rnd.randint(6, 20)
            left_in_category -= 1
            number += 1
            n = min(rnd.choices(SUB_PER_PROJECT, weights=SUB_WEIGHTS)[0], quota - made)
            thing = rnd.choice(PROJECT_THINGS)
            project = Project(
                plan=plan,
                category=category,
                number=str(number),
                name=f"{rnd.choice(PROJECT_VERBS)}{thing}",
                description=f"在{rnd.choice(TOWNS)}等地{rnd.choice(PROJECT_VERBS)}{thing}"
                f"{rnd.randint(2, 30)}处，惠及群众{rnd.randint(1, 50) * 1000}人。",
                order=number,
            )
            first = rnd.choice(self.leaders)
            leaders = [first]
            if rnd.random() < 0.05:
                leaders.append(rnd.choice([x for x in self.leaders if x is not first]))
            projects.append(project)
            project_leaders.append((project, leaders))
            for k in range(1, n + 1):
                subs.append(self._subitem(project, k, n, leaders))
            made += n
            if len(subs) >= CHUNK_SUBITEMS or made >= quota:
                self._write(categories, projects, project_leaders, subs)
                categories, projects, project_leaders, subs = [], [], [], []

    def _subitem(self, project: Project, k: int, n: int, leaders: list[Leader]) -> SubSpec:
        rnd = self.rnd
        lead = rnd.choices(self.units, weights=self.lead_weights)[0]
        co = rnd.sample(self.units, rnd.choices([0, 1, 2, 3], weights=[40, 30, 20, 10])[0])
        co = [u for u in co if u is not lead]
        persons = [rnd.choice(self.persons[lead.pk])]
        persons += [rnd.choice(self.persons[u.pk]) for u in co if rnd.random() < 0.5]
        name = (
            project.name if n == 1 else f"{rnd.choice(PROJECT_VERBS)}{rnd.choice(PROJECT_THINGS)}"
        )
        sub = SubItem(
            project=project,
            number=k,
            name=name,
            description=f"（{k}）{name}，{rnd.choice(STAGES[2])}，{rnd.choice(STAGES[3])}。",
            lead_unit=lead,
        )
        # milestones: quarter ends (sometimes without Q1), or three to six month-ends
        if rnd.random() < 0.75:
            quarters = [0, 1, 2, 3] if rnd.random() < 0.9 else [1, 2, 3]
            dues = [(self.quarter_ends[q], q) for q in quarters]
        else:
            ms = [*sorted(rnd.sample(range(1, 12), rnd.randint(2, 5))), 12]
            dues = [(month_end(self.year, m), (m - 1) // 3) for m in ms]
        milestones = [
            Milestone(
                subitem=sub,
                due=due,
                order=i,
                text=f"{due.month}月底前{'；'.join(rnd.sample(STAGES[q], rnd.choice((1, 1, 2))))}",
            )
            for i, (due, q) in enumerate(dues, start=1)
        ]
        # indicators: about a third of the sub-items, a few with two
        indicators = []
        r = rnd.random()
        n_ind = 2 if r < 0.05 else 1 if r < 0.33 else 0
        for iname, measure, (lo, hi) in rnd.sample(INDICATORS, n_ind):
            total = rnd.randint(lo, hi)
            cuts = sorted(rnd.sample(range(5, 96), 3))
            values = [max(1, total * c // 100) for c in cuts] + [total]
            ind = Indicator(subitem=sub, name=iname, unit=measure)
            targets = [
                IndicatorTarget(indicator=ind, due=due, value=Decimal(v))
                for due, v in zip(self.quarter_ends, values, strict=True)
            ]
            indicators.append((ind, targets))
        profile = rnd.choices(PROFILES, weights=PROFILE_WEIGHTS)[0]
        params = {
            "lag_from": rnd.randint(2, 10),
            "ahead_from": rnd.randint(1, 6),
            "done_at": rnd.randint(4, 11),
            "idle": rnd.randint(1, 3),
            "completes": rnd.random() < 0.5,  # steady items: report 办结 in December
            "factor": rnd.uniform(0.75, 0.9),
            "ahead_factor": rnd.uniform(1.08, 1.25),
        }
        return SubSpec(sub, co, persons, list(leaders), milestones, indicators, profile, params)

    # -- writing ------------------------------------------------------------------------------
    def _write(self, categories, projects, project_leaders, subs: list[SubSpec]) -> None:
        t0 = time.perf_counter()
        rows = self.counts.rows
        # bulk_create copies the primary keys of parents created just before into the children
        Category.objects.bulk_create(categories, batch_size=BATCH)
        Project.objects.bulk_create(projects, batch_size=BATCH)
        SubItem.objects.bulk_create([s.obj for s in subs], batch_size=BATCH)
        CoUnit.objects.bulk_create(
            [
                CoUnit(subitem=s.obj, unit=u, order=i)
                for s in subs
                for i, u in enumerate(s.co_units)
            ],
            batch_size=BATCH,
        )
        persons = SubItem.persons.through
        persons.objects.bulk_create(
            [
                persons(subitem_id=s.obj.pk, person_id=p.pk)
                for s in subs
                for p in dict.fromkeys(s.persons)
            ],
            batch_size=BATCH,
        )
        sub_leaders = SubItem.leaders.through
        sub_leaders.objects.bulk_create(
            [sub_leaders(subitem_id=s.obj.pk, leader_id=le.pk) for s in subs for le in s.leaders],
            batch_size=BATCH,
        )
        proj_leaders = Project.leaders.through
        proj_leaders.objects.bulk_create(
            [
                proj_leaders(project_id=p.pk, leader_id=le.pk)
                for p, ls in project_leaders
                for le in ls
            ],
            batch_size=BATCH,
        )
        milestones = [m for s in subs for m in s.milestones]
        Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        indicators = [ind for s in subs for ind, _ in s.indicators]
        Indicator.objects.bulk_create(indicators, batch_size=BATCH)
        targets = [t for s in subs for _, ts in s.indicators for t in ts]
        IndicatorTarget.objects.bulk_create(targets, batch_size=BATCH)
        rows["categories"] += len(categories)
        rows["projects"] += len(projects)
        rows["sub-items"] += len(subs)
        rows["milestones"] += len(milestones)
        rows["indicators"] += len(indicators)
        rows["indicator targets"] += len(targets)
        t1 = time.perf_counter()
        self.t_structure += t1 - t0
        self._reports(subs)
        self.t_reports += time.perf_counter() - t1

    # -- reports ------------------------------------------------------------------------------
    def _reports(self, subs: list[SubSpec]) -> None:
        reports: list[ProgressReport] = []
        values: list[tuple[ProgressReport, Indicator, Decimal]] = []
        achieved: list[tuple[ProgressReport, Milestone]] = []
        for s in subs:
            self._sub_reports(s, reports, values, achieved)
        ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
        IndicatorValue.objects.bulk_create(
            [IndicatorValue(report_id=r.pk, indicator_id=i.pk, value=v) for r, i, v in values],
            batch_size=BATCH,
        )
        through = ProgressReport.milestones_achieved.through
        through.objects.bulk_create(
            [through(progressreport_id=r.pk, milestone_id=m.pk) for r, m in achieved],
            batch_size=BATCH,
        )
        rows = self.counts.rows
        rows["reports"] += len(reports)
        rows["indicator values"] += len(values)
        rows["milestones achieved"] += len(achieved)

    def _achieve_month(self, s: SubSpec, m: Milestone) -> int | None:
        """The month whose report first marks the milestone achieved; None: never."""
        rnd, p, due = self.rnd, s.params, m.due.month
        early = max(1, status_rules.own_window_start(m.due).month - 1)  # a report before its window
        if s.profile == "lagging":
            if due < p["lag_from"]:
                return due
            r = rnd.random()
            return None if r < 0.6 else min(12, due + rnd.randint(1, 3))
        if s.profile == "ahead" and due >= 4 and rnd.random() < 0.6:
            return early
        if s.profile == "early_done":
            return min(due, p["done_at"])
        if s.profile == "slow_start":
            return max(due, p["idle"] + 1)
        r = rnd.random()
        if r < 0.03 and due >= 4:
            return early
        if r < 0.08:
            return min(12, due + 1)
        return due

    def _status(self, s: SubSpec, month: int) -> str | None:
        """What the unit reports for the month; None: no report (completed earlier)."""
        rnd, p = self.rnd, s.params
        if s.profile == "early_done":
            if month > p["done_at"]:
                return None
            return Status.COMPLETED if month == p["done_at"] else Status.ON_TRACK
        if s.profile == "slow_start" and month <= p["idle"]:
            return Status.NOT_STARTED
        if s.profile == "lagging" and month >= p["lag_from"]:
            return Status.LAGGING if rnd.random() < 0.9 else Status.ON_TRACK
        if s.profile == "ahead" and month >= p["ahead_from"]:
            return Status.AHEAD
        if s.profile == "steady":
            if month == 12 and p["completes"]:
                return Status.COMPLETED
            r = rnd.random()
            if r < 0.02:
                return Status.LAGGING
            if r < 0.03:
                return Status.AHEAD
        return Status.ON_TRACK

    def _factor(self, s: SubSpec, month: int) -> float:
        p = s.params
        if s.profile == "lagging" and month >= p["lag_from"]:
            return p["factor"]
        if s.profile == "ahead" and month >= p["ahead_from"]:
            return p["ahead_factor"]
        return 1 + self.rnd.uniform(-0.03, 0.03)

    def _state(self, month: int) -> str:
        """Older months are reviewed; the latest one still has reports waiting."""
        r = self.rnd.random()
        latest = month == self.months
        if r < (0.05 if latest else 0.02):
            return ProgressReport.State.DRAFT
        if r < (0.06 if latest else 0.025):
            return ProgressReport.State.RETURNED
        if r < (0.40 if latest else 0.06 if month == self.months - 1 else 0.03):
            return ProgressReport.State.SUBMITTED
        return ProgressReport.State.APPROVED

    def _sub_reports(self, s: SubSpec, reports, values, achieved) -> None:
        rnd, year = self.rnd, self.year
        plan_ms = [(self._achieve_month(s, m), m) for m in s.milestones]
        pending = [(when, m) for when, m in plan_ms if when is not None]
        for month in range(1, self.months + 1):
            status = self._status(s, month)
            if status is None:
                break
            if status != Status.COMPLETED and rnd.random() < (
                0.08 if month == self.months else 0.03
            ):
                continue  # missing: no report at all this month (its milestones wait)
            state = self._state(month)
            period = date(year, month, 1)
            explanation = ""
            if status == Status.LAGGING:
                explanation = f"{rnd.choice(LAG_REASONS)}。下步将倒排工期，加快推进。"
            elif status == Status.AHEAD:
                explanation = f"{rnd.choice(AHEAD_REASONS)}。下步将巩固成效。"
            submitted_at = None
            if state != ProgressReport.State.DRAFT:
                nxt = date(year + (month == 12), month % 12 + 1, rnd.randint(1, 5))
                submitted_at = datetime.combine(
                    nxt, dtime(rnd.randint(8, 18), rnd.randint(0, 59)), self.tz
                )
            stage = STAGES[min(3, (month - 1) // 3)]
            report = ProgressReport(
                subitem_id=s.obj.pk,
                period=period,
                status=status,
                completion=f"{month}月，{s.obj.name}{rnd.choice(stage)}，"
                f"累计完成年度任务的{min(100, round(month / 12 * 100 * self._factor(s, month)))}%。",
                explanation=explanation,
                problems="" if rnd.random() < 0.8 else rnd.choice(LAG_REASONS) + "。",
                next_steps=f"{rnd.choice(STAGES[min(3, month // 3)])}。",
                state=state,
                source=ProgressReport.Source.WEB,
                submitted_at=submitted_at,
            )
            reports.append(report)
            self.counts.states[state] += 1
            self.counts.statuses[status] += 1
            # milestones: marked in the first counted report at or after their planned month (a
            # missing, draft or returned report leaves them for the next one)
            if state in COUNTED:
                now = [(w, m) for w, m in pending if w <= month or status == Status.COMPLETED]
                achieved.extend((report, m) for _, m in now)
                pending = [x for x in pending if x not in now]
            if status == Status.NOT_STARTED:
                continue
            end = month_end(year, month)
            for ind, targets in s.indicators:
                if status == Status.COMPLETED:
                    value = targets[-1].value
                else:
                    expected = status_rules.expected_value(
                        [status_rules.Target(t.due, t.value) for t in targets], end
                    )
                    value = (expected * Decimal(str(round(self._factor(s, month), 3)))).quantize(
                        Decimal(1)
                    )
                    value = min(max(value, Decimal(0)), targets[-1].value)
                values.append((report, ind, value))
