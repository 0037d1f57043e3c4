"""Run the four real data sets in English from `geolage init` output, as a new user would, and scan the outputs.

Usage::

    python scripts/check_real_world.py [--keep DIR] [--only memphis vancouver]

For Memphis, Cincinnati, Manchester and Vancouver (``data/real_world``) this writes a config with
``geolage init`` (the commands of the README, unedited), runs ``geolage validate`` and ``geolage run
--language en --no-pdf``, and then scans every output as ``tests/test_english.py`` does: no Swedish
word or letter and no internal Swedish code (``alla``, ``hela``, ``inbrott_bostad``, ``2024K3``) in
file names, CSV values, GeoPackage layer values, the QGIS project, run.json, report and map; no
part of the report said to be "not computed"; and every custom category shown by its label, never
its code. Full data: about ten minutes on two cores, so it is a script, not a CI test (the tests
run the same scan on a sample of Cincinnati). Prints one line per finding; exits 1 when any.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "data" / "real_world"
sys.path.insert(0, str(ROOT / "tests"))

#: Name -> the init arguments (as in the README).
DATASETS: dict[str, list[str]] = {
    "memphis": [str(REAL / "memphis" / "memphis_robberies_2019.csv")],
    "cincinnati": [str(REAL / "cincinnati" / "cincinnati_burglary_2017.csv")],
    "manchester": [str(REAL / "manchester" / "manchester_burglary_2017.csv"),
                   "--districts", str(REAL / "manchester" / "manchester_lsoa_2011.gpkg"),
                   "--population", str(REAL / "manchester" / "manchester_lsoa_population_2011.csv")],
    "vancouver": [str(REAL / "vancouver" / "vancouver_crime_2020.csv"), "--crs", "EPSG:26910",
                  "--districts-from", "NEIGHBOURHOOD"],
}


def findings(cfg: Path, out: Path) -> list[str]:
    """What an English run's outputs show that they should not."""
    from test_english import codes_in_code_columns, shown_text, swedish_in

    found = [f"Swedish: {h}" for h in swedish_in(out)] + [f"code: {h}" for h in codes_in_code_columns(out)]
    page = (out / "report.html").read_text("utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)))
    found += [f"report: {m}" for m in re.findall(r"This part was not computed[^.]*\.", text)]
    custom = tomllib.loads(cfg.read_text("utf-8")).get("custom_categories", {})
    shown = shown_text(out)
    words = [c for c in custom if "_" in c or c != str(custom[c]).lower()]  # "burglary" is also an English word
    found += [f"code shown instead of its label: {c}" for c in words
              if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", shown)]
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the check; the exit code is 1 when anything was found."""
    from geolage.cli import main as geolage

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", help="write configs and outputs here (default: a temporary folder)")
    ap.add_argument("--only", nargs="+", choices=sorted(DATASETS), help="only these data sets")
    args = ap.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="geolage-real-"))
    folder.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name in args.only or list(DATASETS):
        cfg, out = folder / f"{name}.toml", folder / name
        steps = [["init", *DATASETS[name], "--language", "en", "--out", str(cfg), "--overwrite", "-q"],
                 ["validate", str(cfg), "--rejects", str(folder / f"{name}_rejects.csv"), "-q"],
                 ["run", str(cfg), "--out", str(out), "--language", "en", "--no-pdf", "--overwrite", "-q"]]
        for step in steps:
            if geolage(step) != 0:
                print(f"{name}: geolage {step[0]} failed")
                bad += 1
                break
        else:
            for f in findings(cfg, out):
                print(f"{name}: {f}")
                bad += 1
            print(f"{name}: checked {out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
