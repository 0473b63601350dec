"""PDF import benchmark: a 100-page list printed to PDF, read and imported into a fresh database.

    .venv/bin/python benchmarks/pdf_bench.py [--pages 100] [--keep]

A script, not a test. It

1. makes the PDF once per run: fixtures/samples/xiqing-2023-work-report-tasks.docx (93 pages
   when printed, 123 tasks, rows split by page breaks, merged cells) with its table rows
   repeated, renumbered, until the printed file has at least --pages pages, printed by
   LibreOffice headless (soffice, with a Chinese font such as fonts-noto-cjk installed);
2. times pdfplumber alone on it, the way importers/pdf/reader.py opens it (every page parsed,
   its ruled tables found, its characters read, the page closed);
3. in a fresh child process (so that its max RSS is the import's own): reads the PDF's tables
   (importers.readers.read_tables), builds the plan from them (importers.layouts.build_plan),
   then imports the file for real (importers.services.run_import) into a new SQLite database;
4. checks that the PDF gives the summary figures of the .docx it was printed from, prints the
   figures and ends with one line:
   pages=N read_s=X.XX pdfplumber_s=X.XX ratio=X.XX parse_s=X.XX import_s=X.XX peak_mb=XXX
   same_as_docx=True

Aim: reading takes under 1.5 x pdfplumber alone, and memory does not grow with the pages
(each page is released before the next: compare peak_mb at --pages 100 and --pages 200).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "samples" / "xiqing-2023-work-report-tasks.docx"
SAMPLE_PAGES = 93


def make_docx(path: Path, factor: float) -> None:
    """The sample with its data rows repeated `factor` times over; in the n-th copy task 17 is
    task n017, so every copy of a task is a task of its own."""
    import docx

    document = docx.Document(str(SAMPLE))
    body = document.tables[0]._tbl
    data = list(body.tr_lst)[2:]  # under the two header rows
    for k in range(len(data), math.ceil(len(data) * factor)):
        tr = copy.deepcopy(data[k % len(data)])
        texts = [t for t in tr.tc_lst[0].iter() if t.tag.endswith("}t")]
        number = "".join(t.text or "" for t in texts).strip()
        if number.isdigit():
            texts[0].text = str(1000 * (k // len(data)) + int(number))
            for t in texts[1:]:
                t.text = ""
        body.append(tr)
    document.save(str(path))


def make_pdf(workdir: Path, pages: int) -> Path:
    import pdfplumber

    factor = pages / SAMPLE_PAGES
    while True:
        source = workdir / "tasks.docx"
        make_docx(source, factor)
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{workdir}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(workdir),
                str(source),
            ],
            check=True,
            capture_output=True,
        )
        pdf = workdir / "tasks.pdf"
        with pdfplumber.open(pdf) as opened:
            got = len(opened.pages)
        if got >= pages:
            return pdf
        factor *= pages / got + 0.02


def time_pdfplumber(pdf: Path) -> float:
    import pdfplumber

    from importers.pdf.reader import TABLE_SETTINGS

    started = time.perf_counter()
    with pdfplumber.open(pdf) as opened:
        for page in opened.pages:
            page.find_tables(TABLE_SETTINGS)
            len(page.chars)
            page.close()
    return time.perf_counter() - started


CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DATABASE_URL"] = "sqlite:///" + sys.argv[3]
os.environ.setdefault("DEBUG", "0")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from importers.layouts import Options, build_plan
from importers.readers import read_tables
from importers.services import run_import
data = open(sys.argv[2], "rb").read()
t0 = time.perf_counter()
tables = read_tables(data, "tasks.pdf")
t1 = time.perf_counter()
plan = build_plan(tables, filename="tasks.pdf", options=Options())
t2 = time.perf_counter()
outcome = run_import(data=data, filename="tasks.pdf")
t3 = time.perf_counter()
from importers.document import summary
source = open(sys.argv[2][:-4] + ".docx", "rb").read()
printed_from = summary(build_plan(read_tables(source, "tasks.docx"), filename="tasks.docx", options=Options()))
print(json.dumps({
    "read_s": t1 - t0, "parse_s": t2 - t1, "import_s": t3 - t2,
    "applied": outcome.applied, "errors": len(outcome.document["errors"]),
    "first_errors": outcome.document["errors"][:3],
    "summary": outcome.document["summary"],
    "same_as_docx": printed_from == outcome.document["summary"],
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the PDF and the database")
    args = parser.parse_args()
    if not shutil.which("soffice"):
        sys.exit("soffice (LibreOffice) is needed to print the list to PDF")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    import pdfplumber

    workdir = Path(tempfile.mkdtemp(prefix="pdf-bench-"))
    try:
        pdf = make_pdf(workdir, args.pages)
        with pdfplumber.open(pdf) as opened:
            pages = len(opened.pages)
        print(f"{pdf.name}: {pages} pages, {pdf.stat().st_size / 1024 / 1024:.1f} MB")
        alone = min(time_pdfplumber(pdf) for _ in range(2))
        print(f"pdfplumber alone: {alone:.2f} s")
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(ROOT), str(pdf), str(workdir / "bench.sqlite3")],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"read (tables): {result['read_s']:.2f} s, plan: {result['parse_s']:.2f} s, "
            f"import (read, plan, write): {result['import_s']:.2f} s, errors {result['errors']}"
        )
        print("summary:", result["summary"], *result["first_errors"])
        print(
            f"pages={pages} read_s={result['read_s']:.2f} pdfplumber_s={alone:.2f} "
            f"ratio={result['read_s'] / alone:.2f} parse_s={result['parse_s']:.2f} "
            f"import_s={result['import_s']:.2f} peak_mb={result['peak_mb']:.0f} "
            f"same_as_docx={result['same_as_docx']}"
        )
    finally:
        if args.keep:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
