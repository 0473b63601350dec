"""Word documents: .docx through python-docx; .doc (Word 97-2003) converted to .docx by
LibreOffice in a subprocess, with a time limit and a profile directory of its own."""

from __future__ import annotations

import io
import os
import shutil
import signal
import struct
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from importers.readers.grid import drop_empty, table_label
from importers.safety import check_grid, check_text, check_zip, damaged, encrypted
from importers.types import Cell, ImportFileError, Table


def read_docx(data: bytes) -> list[Table]:
    import docx
    from docx.table import Table as DocxTable

    check_zip(data, kind="docx").close()
    document = docx.Document(io.BytesIO(data))
    tables: list[Table] = []
    prose: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")).strip()
            if text:
                prose.append(text)
        elif tag == "tbl":
            where = table_label(len(tables) + 1)
            spans = [sum(tc.grid_span for tc in tr.tc_lst) for tr in child.tr_lst]
            check_grid(len(spans), max(spans, default=0), where=where)
            table = DocxTable(child, document)
            ncols = len(table.columns)
            grid = table._cells  # merged cells repeat the same cell element at each grid position
            origins: dict[int, tuple[int, int]] = {}
            texts: dict[int, str] = {}
            rows: list[list[Cell]] = []
            for i in range(0, len(grid), ncols):
                r = i // ncols
                row = []
                for c, cell in enumerate(grid[i : i + ncols]):
                    key = id(cell._tc)
                    if key not in origins:
                        origins[key] = (r, c)
                        texts[key] = cell.text
                        check_text(texts[key], where=where, row=r, col=c)
                    row.append(Cell(texts[key], origins[key]))
                rows.append(row)
            tables.append(drop_empty(rows, title_lines=prose, source=f"table {len(tables) + 1}"))
            prose = []
    return tables


# --- .doc ----------------------------------------------------------------------------------------


def _check_doc(data: bytes) -> None:
    """A Word 97-2003 file: an OLE container with a WordDocument stream; refuse an encrypted
    one here (LibreOffice would fail on it without saying why)."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptedPackage"):
                raise encrypted()
            if not ole.exists("WordDocument"):
                raise damaged("doc")
            with ole.openstream("WordDocument") as fh:
                fib = fh.read(12)
    except ImportFileError:
        raise
    except Exception as exc:  # olefile's own errors for broken containers
        raise damaged("doc") from exc
    if len(fib) < 12:
        raise damaged("doc")
    (flags,) = struct.unpack_from("<H", fib, 10)
    if flags & 0x0100:  # FibBase.fEncrypted
        raise encrypted()


def soffice_path() -> str | None:
    return shutil.which(settings.IMPORT_SOFFICE)


def convert_with_soffice(data: bytes, *, suffix: str, target: str) -> bytes:
    """`data` converted by LibreOffice headless to `target` (e.g. "docx"). A fresh profile
    directory each time, so that conversions running at once never share one; the whole
    process group is killed at the time limit."""
    soffice = soffice_path()
    if not soffice:
        raise ImportFileError(
            _(
                "Reading a %(ext)s file needs LibreOffice, which is not installed on this server. Ask the administrator to install it (on Debian or Ubuntu: apt-get install libreoffice-writer-nogui), or open the file in Word or WPS, save it as .docx and import that."
            )
            % {"ext": suffix}
        )
    timeout = settings.IMPORT_CONVERT_TIMEOUT
    with tempfile.TemporaryDirectory(prefix="shishi-convert-") as tmp:
        work = Path(tmp)
        source = work / f"input{suffix}"
        source.write_bytes(data)
        out_dir = work / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work)}
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ImportFileError(
                _(
                    "Converting the %(ext)s file took longer than %(s)s seconds and was stopped. Save it as .docx and import that."
                )
                % {"ext": suffix, "s": timeout}
            ) from None
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        results = list(out_dir.glob(f"*.{target.split(':')[0]}")) if out_dir.exists() else []
        if not results:
            raise ImportFileError(
                _(
                    "LibreOffice could not convert the %(ext)s file: it is damaged, or not a Word 97-2003 document."
                )
                % {"ext": suffix}
            )
        return results[0].read_bytes()


def read_doc(data: bytes) -> list[Table]:
    _check_doc(data)
    return read_docx(convert_with_soffice(data, suffix=".doc", target="docx"))
