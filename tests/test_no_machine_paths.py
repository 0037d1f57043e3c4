"""No output of the demo names a folder of the machine that made it (absolute paths of inputs, outputs, home)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from geolage.cli import demo_config_path


def _texts(path: Path):
    """The file's bytes, and the parts a plain byte search would miss: ZIP members, PDF text."""
    raw = path.read_bytes()
    yield raw
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                yield z.read(name)
    if raw.startswith(b"%PDF"):
        for m in re.finditer(rb"stream\r?\n(.*?)endstream", raw, re.S):
            try:
                yield zlib.decompress(m.group(1))
            except zlib.error:
                continue
        pdftotext = shutil.which("pdftotext")
        if pdftotext is None:
            pytest.fail("pdftotext (poppler-utils) is needed to read the PDF reports' text")
        yield subprocess.run([pdftotext, "-q", str(path), "-"], capture_output=True, check=True).stdout


def test_no_output_names_a_machine_folder(demo_run):
    _, out = demo_run
    config_dir = demo_config_path().resolve().parent
    folders = {out.resolve(), out.resolve().parent, config_dir, config_dir.parent, Path.home().resolve(),
               Path.cwd().resolve()}
    needles = {str(f).encode() for f in folders if len(str(f)) > 4}  # no bare root such as "/"
    files = [p for p in sorted(out.rglob("*")) if p.is_file()]
    assert len(files) > 20 and any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".gpkg" for p in files)
    found = [(str(p.relative_to(out)), n.decode()) for p in files for text in _texts(p) for n in needles if n in text]
    assert found == []
