"""Import benchmark: a 5,000-row plan .xlsx, imported into a fresh database.

    .venv/bin/python benchmarks/import_bench.py [--rows 5000] [--seed 2024] [--keep] [--profile]

A script, not a test. It

1. generates (seeded, so the same cells every run) a plan .xlsx in the layout of
   fixtures/samples/xiqing-2023-minxin-plan.xlsx: an 附件 line and a title row, two header rows
   (大项 / 序号 / 子项名称 / 任务明细 / 实施单位（首位牵头） / 责任人 / 时间节点计划任务安排 over
   第一季度…第四季度 / 分管区领导), 大项 merged over its projects, projects with (1)(2)(3) sub-rows
   whose 序号, 子项名称, units and leaders are merged, several units per cell with their persons,
   quarterly plan texts with cumulative numbers and "——";
2. times openpyxl alone on that file: load_workbook(data_only=True, normal mode, not
   read_only) plus reading every value of the sheet, best of 3; the fastest reader alone,
   python-calamine opening the file and giving every value, best of 3, as `reader_s` (the
   floor under any import of the file); and the importer's own reader
   (importers.readers.read_tables: pre-scan of the sheet XML, python-calamine, the table of
   cells), best of 3;
3. imports it with importers.services.run_import into a fresh database, in a child process so
   that the peak RSS is the import's own and not the generator's: one timed import, then the
   same file again ("reimport", which must change nothing; the cell parsers' memos are
   cleared first, so it parses from cold as another server process would). Peak memory is
   measured twice: the child's max RSS (resource.getrusage; this is `peak_mb`) and, in a
   separate child, the tracemalloc peak of a dry run of the same import into the same
   still-empty database (tracemalloc slows Python down, so it never runs during the timed
   import);
4. prints the figures and ends with one line:
   import_s=X.XX openpyxl_s=X.XX ratio=X.XX peak_mb=XXX reader_s=X.XX reimport_s=X.XX
   reimport_ratio=X.XX vendor=sqlite|postgresql

The database: a new SQLite file in the temporary directory, unless DATABASE_URL is set in the
environment; then that database is used as it is and must be empty (it is migrated, and the
script refuses to run when it already holds a plan). DJANGO_SETTINGS_MODULE defaults to
config.settings.local and DEBUG to 0, so that Django does not keep every query in memory.

Aim (issue 11): ratio under 0.5, re-import under 0.3 of openpyxl alone, peak under 250 MB.
--profile adds a cProfile of a dry-run import (top functions by cumulative time) for whoever
works on the importer.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from projects.naming import chinese_ordinal  # noqa: E402  (after the repository is on the path)

JURISDICTION = "基准区"
YEAR = 2024
TITLE = f"{JURISDICTION} {YEAR} 年民心工程进度和责任清单"
FILENAME = f"{JURISDICTION}-{YEAR}-民心工程进度和责任清单.xlsx"
AIM_RATIO = 0.5
AIM_REIMPORT_RATIO = 0.3
AIM_PEAK_MB = 250

# ---------------------------------------------------------------------------------------------
# The generated plan
# ---------------------------------------------------------------------------------------------

DEPARTMENTS = [
    "区教育局", "区民政局", "区卫健委", "区住建委", "区人社局", "区总工会", "区残联",
    "区农业农村委", "区发展改革委", "区商务局", "区城管委", "区武装部", "区财政局",
    "区规划资源局", "区生态环境局", "区水务局", "区交通运输委", "区文化旅游局", "区体育局",
    "区市场监管局", "区应急局", "区公安分局", "区司法局", "区医保局", "区退役军人局", "区妇联",
    "团区委", "区科技局", "区工信局", "区数据局", "区综合行政执法局", "区消防救援支队",
    "区供电公司", "区城投集团", "区园林中心", "区疾控中心", "区红十字会", "区科协",
    "区融媒体中心", "区档案馆",
]  # fmt: skip
TOWNS = [
    "杨柳青镇", "辛口镇", "张家窝镇", "精武镇", "中北镇", "大寺镇", "王稳庄镇", "李七庄街",
    "西营门街", "赤龙南街", "津门湖街", "兴华街", "东湖街", "南河镇", "北辰街", "青山镇",
    "柳林街", "桃园街", "梨园镇", "石桥镇",
]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娥玲芬建国亮树金星林瑞凤景"
LEADERS = [
    "柴树芳", "梁军", "张一谋", "张建凤", "陈力予", "王立新", "刘海涛", "孙晓明", "李红梅",
    "赵德华", "周志强", "吴宏伟",
]  # fmt: skip
CATEGORY_VERBS = ["增加", "着力完善", "提升", "改善", "着力促进", "关心关爱", "加快推进", "巩固提升",
                  "全面提升", "倡导", "打造", "优化", "健全", "强化"]  # fmt: skip
CATEGORY_NOUNS = [
    "教育资源配置", "养老服务", "医疗服务设施", "群众居住条件", "就业创业", "特殊群体", "乡村振兴",
    "设施农业水平", "绿色低碳出行", "为民服务水平", "优质人居环境", "创文成果", "水质生态",
    "公共文化服务", "全民健身设施", "食品安全保障", "社会救助体系", "托育服务供给", "交通出行条件",
    "社区治理能力", "平安建设水平", "城市更新", "便民消费环境", "数字政务服务", "防灾减灾能力",
    "住房保障", "市政基础设施", "生活垃圾治理", "残疾人服务", "退役军人服务",
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
# (verb, indicator name, measure, yearly total range): cumulative quarterly targets in the plan.
INDICATORS = [
    ("实现", "新增就业", "人", (2000, 30000)),
    ("开展", "职业技能培训", "人次", (1000, 12000)),
    ("完成", "农村危房整治", "户", (100, 1500)),
    ("建成", "新能源汽车公共充电桩", "台", (40, 400)),
    ("开展", "心理健康知识讲座", "场", (8, 60)),
    ("改造", "老旧小区", "个", (8, 60)),
    ("新建", "口袋公园", "处", (6, 40)),
    ("完成", "高标准农田建设", "亩", (2000, 12000)),
    ("发放", "助餐补贴", "人次", (5000, 50000)),
    ("培训", "家政服务人员", "人次", (300, 3000)),
    ("新增", "停车泊位", "个", (200, 3000)),
    ("改造", "燃气管网", "公里", (10, 120)),
]  # fmt: skip
STAGES = [
    ["制定实施方案", "项目选址、设计", "完成前期调研摸底", "确定工程量，制定施工方案",
     "选定招标代理公司，进行意向公开", "编制招标控制价及工程量清单", "启动前期手续办理",
     "需求调查摸底", "对接运营企业，洽谈合作事宜"],
    ["完成招标，确定施工单位", "签订施工合同，进场施工", "组织评审论证审批", "完成设计，启动建设",
     "进行工程招投标手续", "完成项目可行性研究和初步设计", "启动建设，做好宣传及政策解读"],
    ["推进施工建设", "完成主体工程", "完成工程量的80%", "开展项目建设", "持续跟踪推进",
     "进场施工，进行外部施工和内部装修", "完成设备采购和安装调试"],
    ["竣工验收，投入使用", "完工验收", "完成年度工作任务，整理归档", "全面完成目标任务",
     "设备安装调试，投入使用", "完成项目验收，正常运行", "做好养管工作，巩固提升成效"],
]  # fmt: skip
SUB_ROWS = [1, 2, 3, 4, 5, 6]  # rows per project
SUB_WEIGHTS = [45, 10, 15, 15, 10, 5]  # mean 2.5: 5,000 rows make about 2,000 projects
HEADER_TOP = ["大项", "序号", "子项名称", "任务明细", "实施单位\n（首位牵头）", "责任人",
              "时间节点计划任务安排", None, None, None, "分管\n区领导"]  # fmt: skip
QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"]
WIDTHS = {
    "A": 10,
    "B": 6,
    "C": 12,
    "D": 36,
    "E": 14,
    "F": 12,
    "G": 21,
    "H": 22,
    "I": 18,
    "J": 18,
    "K": 10,
}


class PlanGenerator:
    """Rows and merged ranges of one generated plan; the same seed gives the same cells."""

    def __init__(self, rows: int, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.target_rows = rows
        rnd = self.rnd
        names: set[str] = set()
        while len(names) < 180:
            given = "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2))))
            names.add(rnd.choice(SURNAMES) + given)
        pool = sorted(names)
        rnd.shuffle(pool)
        units = DEPARTMENTS + TOWNS
        # every unit has one to three persons who can be responsible for its items
        self.persons = {u: pool[i * 3 : i * 3 + rnd.choice((1, 2, 3))] for i, u in enumerate(units)}
        self.categories_used = 0
        self.projects = 0
        self.multi_projects = 0
        self.indicator_rows = 0

    # -- cells ----------------------------------------------------------------------------------
    def person_text(self, name: str) -> str:
        """PDF-like padding of two-character names (梁 亮) now and then."""
        return " ".join(name) if len(name) == 2 and self.rnd.random() < 0.08 else name

    def units_and_persons(self) -> tuple[str, str]:
        rnd = self.rnd
        n = rnd.choices([1, 2, 3, 4, 5, 6], weights=[35, 20, 15, 12, 10, 8])[0]
        lead = rnd.choice(DEPARTMENTS) if rnd.random() < 0.8 else rnd.choice(TOWNS)
        others = rnd.sample([u for u in DEPARTMENTS + TOWNS if u != lead], n - 1)
        others.sort(key=lambda u: (u in DEPARTMENTS) is False)  # departments before towns
        units = [lead, *others]
        persons = [self.person_text(rnd.choice(self.persons[u])) for u in units]
        if rnd.random() < 0.03:  # 区农业农村委 各街镇 / 梁亮 各街镇 主要负责同志
            units.append("各街镇")
            persons.append("各街镇 主要负责同志")
        return " ".join(units), " ".join(persons)

    def leaders(self) -> str:
        rnd = self.rnd
        first = rnd.choice(LEADERS)
        if rnd.random() < 0.05:
            return f"{first} {rnd.choice([x for x in LEADERS if x != first])}"
        return self.person_text(first)

    def project_name(self) -> str:
        rnd = self.rnd
        thing = rnd.choice(PROJECT_THINGS)
        if rnd.random() < 0.3:
            return f"新建 {rnd.randint(2, 30)} 处{thing}"
        if rnd.random() < 0.4:
            return f"{rnd.choice(PROJECT_VERBS)}{rnd.choice(TOWNS)}{thing}"
        return f"{rnd.choice(PROJECT_VERBS)}{thing}"

    def description(self) -> str:
        rnd = self.rnd
        towns = "、".join(rnd.sample(TOWNS, rnd.randint(1, 4)))
        return (
            f"在{towns}{rnd.choice(PROJECT_VERBS)}{rnd.choice(PROJECT_THINGS)}"
            f"{rnd.randint(2, 20)}处，总建筑面积 {rnd.randint(800, 60000)} 平方米。"
            f"建设内容包括{rnd.choice(STAGES[2])}、{rnd.choice(STAGES[1])}等，"
            "为群众提供更加便利的公共服务。"
        )

    def schedule(self) -> tuple[str, list[str]]:
        """(任务明细 of an indicator row or "", four quarter texts)."""
        rnd = self.rnd
        if rnd.random() < 0.3:  # cumulative numbers: 累计实现新增就业 11000 人
            self.indicator_rows += 1
            verb, name, measure, (lo, hi) = rnd.choice(INDICATORS)
            total = rnd.randint(lo, hi)
            cuts = sorted(rnd.sample(range(1, 100), 3))
            values = [max(1, total * c // 100) for c in cuts] + [total]
            texts = [f"{verb}{name} {values[0]} {measure}"] + [
                f"累计{verb}{name} {v} {measure}" for v in values[1:]
            ]
            if rnd.random() < 0.1:
                texts[0] = "——"
            return f"{verb}{name} {total} {measure}。", texts
        texts = []
        for q in range(4):
            k = rnd.choices([1, 2, 3], weights=[50, 35, 15])[0]
            texts.append("； ".join(rnd.sample(STAGES[q], k)))
        if rnd.random() < 0.08:
            texts[3] = "——"
        if rnd.random() < 0.05:
            texts[0] = "——"
        return "", texts

    # -- rows -----------------------------------------------------------------------------------
    def rows(self):
        """Yield (row cells A..K, merges) per project; merges as (first col, last col, rows)."""
        rnd = self.rnd
        cat_nouns = [f"{v}{n}" for v in CATEGORY_VERBS for n in CATEGORY_NOUNS]
        rnd.shuffle(cat_nouns)
        made = 0
        category = ""
        left_in_category = 0
        while made < self.target_rows:
            if left_in_category == 0:
                self.categories_used += 1
                noun = cat_nouns[(self.categories_used - 1) % len(cat_nouns)]
                if rnd.random() < 0.3:  # PDF spaces: 一、 增加 教育 资源 配置
                    noun = " ".join(noun[i : i + 2] for i in range(0, len(noun), 2))
                category = f"{chinese_ordinal(self.categories_used)}、 {noun}"
                left_in_category = rnd.randint(6, 20)
            left_in_category -= 1
            self.projects += 1
            n = min(rnd.choices(SUB_ROWS, weights=SUB_WEIGHTS)[0], self.target_rows - made)
            number = str(self.projects)
            name = self.project_name()
            leader = self.leaders()
            rows = []
            if n == 1:
                desc, quarters = self.schedule()
                units, persons = self.units_and_persons()
                rows.append([category, number, name, desc or self.description(), units, persons,
                             *quarters, leader])  # fmt: skip
                merges = []
            else:
                self.multi_projects += 1
                shared_units = rnd.random() < 0.5
                merged_leader = rnd.random() < 0.8
                units, persons = self.units_and_persons()
                for k in range(1, n + 1):
                    desc, quarters = self.schedule()
                    desc = desc or self.description()
                    if not shared_units:
                        units, persons = self.units_and_persons()
                    first = k == 1
                    rows.append([
                        category,
                        number if first else None,
                        name if first else None,
                        f"({k}) {desc}",
                        units if (first or not shared_units) else None,
                        persons if (first or not shared_units) else None,
                        *quarters,
                        leader if (first or not merged_leader) else None,
                    ])  # fmt: skip
                merges = [(2, 2, n), (3, 3, n)]  # 序号, 子项名称
                if shared_units:
                    merges += [(5, 5, n), (6, 6, n)]
                if merged_leader:
                    merges.append((11, 11, n))
            made += n
            yield category, rows, merges


def generate_xlsx(path: Path, rows: int, seed: int) -> dict:
    """Write the plan with openpyxl in normal mode (write-only mode cannot merge cells)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    gen = PlanGenerator(rows, seed)
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    wrap_left = Alignment(wrap_text=True, vertical="center")
    bold = Font(bold=True)

    ws.append(["附件"])
    ws.append([TITLE])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=11)
    ws["A2"].font = Font(bold=True, size=16)
    ws["A2"].alignment = wrap
    ws.append(HEADER_TOP)
    ws.append([None] * 6 + QUARTERS + [None])
    for col in (1, 2, 3, 4, 5, 6, 11):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells(start_row=3, start_column=7, end_row=3, end_column=10)
    for r in (3, 4):
        for c in range(1, 12):
            cell = ws.cell(r, c)
            cell.font, cell.alignment, cell.border = bold, wrap, border
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width

    r = 5
    cat_start, current_cat = r, None
    for category, rows_, merges in gen.rows():
        if category != current_cat:
            if current_cat is not None and r - 1 > cat_start:
                ws.merge_cells(start_row=cat_start, start_column=1, end_row=r - 1, end_column=1)
            cat_start, current_cat = r, category
        for i, values in enumerate(rows_):
            for c, value in enumerate(values, start=1):
                if c == 1 and r + i != cat_start:
                    value = None  # only the top-left cell of a merged range holds the value
                cell = ws.cell(r + i, c, value)
                cell.alignment = wrap_left if c in (4, 7, 8, 9, 10) else wrap
                cell.border = border
        for first, last, n in merges:
            ws.merge_cells(start_row=r, start_column=first, end_row=r + n - 1, end_column=last)
        r += len(rows_)
    if r - 1 > cat_start:
        ws.merge_cells(start_row=cat_start, start_column=1, end_row=r - 1, end_column=1)
    ws.append([])
    ws.append(["注：各责任单位每月 5 日前报送上月进展情况。"])
    wb.save(path)
    return {
        "data_rows": r - 5,
        "categories": gen.categories_used,
        "projects": gen.projects,
        "multi_row_projects": gen.multi_projects,
        "indicator_rows": gen.indicator_rows,
        "merged_ranges": len(ws.merged_cells.ranges),
    }


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def max_rss_mb() -> float:
    """The process's peak resident set size: KiB on Linux, bytes on macOS."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def time_openpyxl(data: bytes, repeat: int = 3) -> tuple[float, int, float]:
    """openpyxl alone: normal mode (not read_only), data_only=True, every value read. Returns
    the best wall time, the number of values and the best CPU time of this process."""
    import openpyxl

    best, count, best_cpu = float("inf"), 0, float("inf")
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        count = 0
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for _value in row:
                    count += 1
        wb.close()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        del wb
    return best, count, best_cpu


def time_reader(path: Path, env: dict, repeat: int = 3) -> dict:
    """The importer's own reader (importers.readers.read_tables: the pre-scan of the sheet XML
    and python-calamine) on the same file, best of 3, in a child process with Django set up."""
    out = path.with_suffix(".reader.json")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "reader", "--file", str(path)]
    subprocess.run([*cmd, "--out", str(out)], env=env, cwd=ROOT, check=True)
    return json.loads(out.read_text())


def _reader_child(path: Path, out: Path, repeat: int = 3) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from python_calamine import CalamineWorkbook

    from importers.readers import read_tables

    data = path.read_bytes()
    best, cells = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        tables = read_tables(data, path.name)
        best = min(best, time.perf_counter() - t0)
        cells = sum(len(row) for t in tables for row in t.rows)
    # the fastest reader alone: python-calamine opening the file and giving every value
    calamine, values = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        values = sum(
            len(row) for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python()
        )
        calamine = min(calamine, time.perf_counter() - t0)
    out.write_text(
        json.dumps({"read_tables_s": best, "cells": cells, "reader_s": calamine, "values": values})
    )


def _django() -> float:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - t0


def child(mode: str, path: Path, out: Path) -> None:
    """Runs in a child process: the database work, so that max RSS is the import's own."""
    migrate_s = _django()
    from django.db import connection

    from importers.cells import clear_memos
    from importers.services import run_import
    from projects.models import Plan

    data = path.read_bytes()
    result: dict = {"migrate_s": migrate_s, "vendor": connection.vendor}
    if Plan.objects.exists():
        result["error"] = (
            "the database already holds a plan: the benchmark needs an empty database "
            "(a fresh SQLite file is used when DATABASE_URL is not set)"
        )
        out.write_text(json.dumps(result))
        return

    if mode == "trace":
        import tracemalloc

        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        t0 = time.perf_counter()
        outcome = run_import(data=data, filename=path.name, dry_run=True)
        result["traced_s"] = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["tracemalloc_peak_mb"] = (peak - base) / (1024 * 1024)
        result["ok"] = outcome.ok
    elif mode == "profile":
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        outcome = run_import(data=data, filename=path.name, dry_run=True)
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative")
        stats.print_stats(35)
        buf.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(20)
        result["profile"] = buf.getvalue()
        result["ok"] = outcome.ok
    else:
        result["rss_before_mb"] = max_rss_mb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        outcome = run_import(data=data, filename=path.name, dry_run=False)
        result["import_s"] = time.perf_counter() - t0
        result["import_cpu_s"] = time.process_time() - c0
        result["peak_rss_mb"] = max_rss_mb()
        result["ok"] = outcome.ok
        result["applied"] = outcome.applied
        result["errors"] = outcome.document["errors"][:5]
        result["n_errors"] = len(outcome.document["errors"])
        result["n_warnings"] = len(outcome.document["warnings"])
        result["warnings"] = outcome.document["warnings"][:5]
        result["summary"] = outcome.document.get("summary", {})
        result["changes"] = outcome.changes
        clear_memos()  # the re-import parses from cold, as another server process would
        c0 = time.process_time()
        t0 = time.perf_counter()
        again = run_import(data=data, filename=path.name, dry_run=False)
        result["reimport_s"] = time.perf_counter() - t0
        result["reimport_cpu_s"] = time.process_time() - c0
        result["reimport_changes"] = again.changes
        result["peak_rss_after_reimport_mb"] = max_rss_mb()
    out.write_text(json.dumps(result, ensure_ascii=False, default=str))


def run_child(mode: str, path: Path, env: dict) -> dict:
    out = path.with_suffix(f".{mode}.json")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--file", str(path)]
    cmd += ["--out", str(out)]
    proc = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
    if proc.returncode != 0 or not out.exists():
        sys.exit(f"the {mode} step failed (exit {proc.returncode})")
    result = json.loads(out.read_text())
    if "error" in result:
        sys.exit(result["error"])
    if not result.get("ok", True):
        sys.exit(f"the {mode} step: the import reported errors")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="data rows (default 5000)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--profile", action="store_true", help="cProfile a dry-run import too")
    parser.add_argument(
        "--child", choices=("import", "trace", "profile", "reader"), help=argparse.SUPPRESS
    )
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "reader":
        _reader_child(args.file, args.out)
        return
    if args.child:
        child(args.child, args.file, args.out)
        return

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="import_bench_"))
    try:
        bench(args, tmp, started)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def bench(args: argparse.Namespace, tmp: Path, started: float) -> None:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("DEBUG", "0")
    if os.environ.get("DATABASE_URL"):
        db_note = "DATABASE_URL from the environment, used as it is (it must be empty)"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        db_note = f"fresh SQLite file {tmp / 'bench.sqlite3'}"

    path = tmp / FILENAME
    t0 = time.perf_counter()
    made = generate_xlsx(path, args.rows, args.seed)
    generate_s = time.perf_counter() - t0
    data = path.read_bytes()
    print(
        f"generated {path.name}: {len(data) / 1024:.0f} KiB in {generate_s:.2f} s (seed {args.seed})"
    )
    print(
        "  {data_rows} data rows, {categories} categories, {projects} projects "
        "({multi_row_projects} with sub-rows), {indicator_rows} rows with cumulative numbers, "
        "{merged_ranges} merged ranges".format(**made)
    )
    print(f"database: {db_note}; settings {env['DJANGO_SETTINGS_MODULE']}, DEBUG={env['DEBUG']}")

    openpyxl_s, cells, openpyxl_cpu_s = time_openpyxl(data)
    print(
        f"openpyxl alone (load_workbook data_only + {cells} values, best of 3): {openpyxl_s:.2f} s"
    )

    reader = time_reader(path, env)
    print(
        f"python-calamine alone ({reader['values']} values, best of 3): {reader['reader_s']:.2f} s; "
        f"importers.readers.read_tables ({reader['cells']} cells): {reader['read_tables_s']:.2f} s"
    )

    trace = run_child("trace", path, env)
    profile = run_child("profile", path, env) if args.profile else None
    res = run_child("import", path, env)

    import django
    import openpyxl

    changes = res["changes"]
    again = res["reimport_changes"]
    changed_again = {
        k: {w: n for w, n in v.items() if w != "unchanged" and n}
        for k, v in again.items()
        if any(n for w, n in v.items() if w != "unchanged")
    }
    import_s = res["import_s"]
    peak_mb = res["peak_rss_mb"]
    ratio = import_s / openpyxl_s
    print()
    print(
        f"{'Python':<34}{sys.version.split()[0]}  Django {django.__version__}  openpyxl {openpyxl.__version__}"
    )
    print(f"{'database':<34}{res['vendor']} (migrate {res['migrate_s']:.2f} s, not timed)")
    print(f"{'openpyxl alone':<34}{openpyxl_s:8.2f} s")
    print(f"{'python-calamine alone':<34}{reader['reader_s']:8.2f} s")
    print(f"{"the importer's reader alone":<34}{reader['read_tables_s']:8.2f} s")
    print(
        f"{'import (fresh database)':<34}{import_s:8.2f} s   ratio {ratio:.2f} (aim < {AIM_RATIO:g})"
    )
    reimport_ratio = res["reimport_s"] / openpyxl_s
    print(
        f"{'reimport (same file)':<34}{res['reimport_s']:8.2f} s   ratio {reimport_ratio:.2f} "
        f"(aim < {AIM_REIMPORT_RATIO:g}); changes: {changed_again or 'none'}"
    )
    print(
        f"{'CPU time of this process':<34}openpyxl {openpyxl_cpu_s:.2f} s, import "
        f"{res['import_cpu_s']:.2f} s ({res['import_cpu_s'] / openpyxl_cpu_s:.2f}), reimport "
        f"{res['reimport_cpu_s']:.2f} s ({res['reimport_cpu_s'] / openpyxl_cpu_s:.2f}); "
        "on a busy machine steadier than wall time (the database server's own time not counted)"
    )
    print(
        f"{'peak RSS of the import process':<34}{peak_mb:8.0f} MB  (before the import {res['rss_before_mb']:.0f} MB; aim < {AIM_PEAK_MB})"
    )
    print(
        f"{'tracemalloc peak of the import':<34}{trace['tracemalloc_peak_mb']:8.0f} MB  (dry run, separate process, {trace['traced_s']:.2f} s traced)"
    )
    print(f"{'errors / warnings':<34}{res['n_errors']} / {res['n_warnings']}")
    for w in res["warnings"][:3]:
        print(f"    warning: {w}")
    print()
    print(f"{'created':<12}" + "".join(f"{k:>11}" for k in changes))
    print(f"{'':<12}" + "".join(f"{v['created']:>11}" for v in changes.values()))
    if profile:
        print()
        print("cProfile of a dry-run import (fresh database):")
        print(profile["profile"])
    if args.keep:
        print(f"kept {tmp}")
    print(
        f"end to end {time.perf_counter() - started:.1f} s; peak_mb is the max RSS of the import process"
    )
    print(
        f"import_s={import_s:.2f} openpyxl_s={openpyxl_s:.2f} ratio={ratio:.2f} peak_mb={peak_mb:.0f} "
        f"reader_s={reader['reader_s']:.2f} reimport_s={res['reimport_s']:.2f} "
        f"reimport_ratio={reimport_ratio:.2f} vendor={res['vendor']}"
    )


if __name__ == "__main__":
    main()
