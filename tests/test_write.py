"""Partial output folders of killed runs (issue 15): found and removed by the next run into the same place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from geolage.outputs import write as write_module
from geolage.outputs.write import OWNER_FILE, remove_stale_partials

ROOT = Path(__file__).resolve().parent.parent

# A writer that makes its partial folder the way write_outputs does, writes into it, and then hangs
# mid-write until it is killed.
_HANGING_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import geolage.outputs.write as w

    def hang(results, folder, **kw):
        (folder / "tabeller").mkdir()
        (folder / "tabeller" / "incidents.csv").write_text("personal data", encoding="utf-8")
        (folder.parent / "ready").write_text(folder.name, encoding="utf-8")
        time.sleep(120)

    class Cfg:
        class output:
            mode = "internal"; pdf = False
        class project:
            language = "en"

    class Results:
        config = Cfg

    w._write_all = hang
    w.write_outputs(Results(), Path(sys.argv[1]), mode="internal")
    """
)


def _start_writer(out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _HANGING_WRITER, str(out)], env=env)
    deadline = time.monotonic() + 60
    while not (out.parent / "ready").exists():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("the writer did not start writing")
        time.sleep(0.05)
    return proc


def test_partial_folder_of_a_killed_run_is_removed_by_the_next(tmp_path):
    out = tmp_path / "lagesbild"
    proc = _start_writer(out)
    partial = tmp_path / (tmp_path / "ready").read_text(encoding="utf-8")
    try:
        # While the writer runs, its folder is left alone.
        assert remove_stale_partials(out) == []
        assert (partial / "tabeller" / "incidents.csv").is_file()
        assert (partial / OWNER_FILE).read_text(encoding="utf-8").split("\n")[0] == str(proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert partial.is_dir()  # SIGKILL: nothing could clean up
    assert remove_stale_partials(out) == [partial]
    assert not partial.exists()
    assert not out.exists()


def test_a_folder_of_this_running_process_is_kept(tmp_path):
    out = tmp_path / "ut"
    mine = tmp_path / ".ut.partial-abc"
    mine.mkdir()
    (mine / OWNER_FILE).write_text(write_module._owner_text(os.getpid()), encoding="utf-8")
    assert remove_stale_partials(out) == []
    assert mine.is_dir()


def test_other_outputs_and_foreign_hosts_are_kept(tmp_path):
    out = tmp_path / "ut"
    other = tmp_path / ".ut2.partial-abc"  # a partial folder of another output name
    other.mkdir()
    (other / OWNER_FILE).write_text("999999999\nhost\n\n", encoding="utf-8")
    foreign = tmp_path / ".ut.partial-def"  # made on another machine sharing the disk
    foreign.mkdir()
    (foreign / OWNER_FILE).write_text(f"999999999\nnot-{os.uname().nodename}\n\n", encoding="utf-8")
    assert remove_stale_partials(out) == []
    assert other.is_dir() and foreign.is_dir()


def test_old_folder_of_a_dead_replacing_run_is_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    old = tmp_path / f".ut.old-{dead.pid}"
    old.mkdir()
    (old / "run.json").write_text("{}", encoding="utf-8")
    alive = tmp_path / f".ut.old-{os.getpid()}"
    alive.mkdir()
    assert remove_stale_partials(tmp_path / "ut") == [old]
    assert alive.is_dir()


def test_unowned_folder_of_an_older_geolage_is_removed_only_when_old(tmp_path):
    out = tmp_path / "ut"
    fresh = tmp_path / ".ut.partial-new"
    fresh.mkdir()
    stale = tmp_path / ".ut.partial-old"
    stale.mkdir()
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    assert remove_stale_partials(out) == [stale]
    assert fresh.is_dir()


def test_finished_output_holds_no_owner_file(tmp_path, monkeypatch):
    """The owner file marks a folder being written; the complete output does not carry it."""

    def fake_all(results, folder, **kw):
        (folder / "karta.html").write_text("<html></html>", encoding="utf-8")
        return {"map": folder / "karta.html"}

    monkeypatch.setattr(write_module, "_write_all", fake_all)
    monkeypatch.setattr(write_module, "write_run_json", lambda results, path, **kw: path.write_text("{}"))

    class Cfg:
        class output:
            mode = "internal"
            pdf = False

        class project:
            language = "en"

    class Results:
        config = Cfg

    written = write_module.write_outputs(Results(), tmp_path / "ut", mode="internal")
    assert written["map"].is_file()
    assert not (tmp_path / "ut" / OWNER_FILE).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ut"]
