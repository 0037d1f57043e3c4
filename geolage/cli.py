"""Command line: ``geolage init | validate | run | demo | batch`` (the only module that prints or logs)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .config import Config, read_config
from .errors import ConfigError, GeolageError, InputFileError, OutputExistsError
from .text.format import format_percent
from .text.labels import FIX_LABELS, REJECT_REASON_LABELS

__all__ = ["main", "demo_config_path"]

log = logging.getLogger("geolage")

_TEXT = {
    "sv": {
        "read": "lästa rader",
        "accepted": "godkända",
        "rejected": "avvisade",
        "fixes": "rättade",
        "geocoded": "geokodad andel",
        "pnr": "personnummer maskerade",
        "outside": "utanför alla områden",
        "source": "Källa",
        "reasons": "Avvisade per orsak",
        "fixlist": "Rättningar",
        "total": "Totalt",
        "rejects_written": "Avvisade rader skrivna till",
        "done": "Klart:",
        "synthetic": "OBS: syntetiska demodata – inte verkliga brott.",
        "config_ok": "Konfigurationen OK:",
        "repeated_ids": "rader som delar id men skiljer sig (behållna)",
        "unexpected": (
            "oväntat fel ({kind}); hela felet finns i {log} (kör med -v för att visa det). Rapportera det gärna."
        ),
        "top": "Vanligaste orsaker i {source} (rad med exempel och vad som rättar det):",
        "row": "rad",
        "init_written": "Konfiguration skriven till",
        "init_todo": "Rader att ta ställning till (TODO): {n}",
        "init_next": "Nästa steg",
        "open_first": "Öppna först:",
    },
    "en": {
        "read": "rows read",
        "accepted": "accepted",
        "rejected": "rejected",
        "fixes": "fixed",
        "geocoded": "geocoded share",
        "pnr": "personal identity numbers masked",
        "outside": "outside every district",
        "source": "Source",
        "reasons": "Rejected by reason",
        "fixlist": "Fixes",
        "total": "Total",
        "rejects_written": "Rejected rows written to",
        "done": "Done:",
        "synthetic": "NOTE: synthetic demo data – not real crimes.",
        "config_ok": "Configuration OK:",
        "repeated_ids": "rows sharing an id but differing (kept)",
        "unexpected": (
            "unexpected error ({kind}); the full error is in {log} (run with -v to show it). Please report it."
        ),
        "top": "Top reasons in {source} (an example row and what fixes it):",
        "row": "row",
        "init_written": "Configuration written to",
        "init_todo": "Lines that need a decision (TODO): {n}",
        "init_next": "Next steps",
        "open_first": "Open first:",
    },
}


def demo_config_path() -> Path:
    """The bundled Borås demo configuration (``data/boras_demo.toml`` in the repository)."""
    candidates = [
        Path(__file__).resolve().parent.parent / "data" / "boras_demo.toml",
        Path.cwd() / "data" / "boras_demo.toml",
    ]
    for c in candidates:
        if c.is_file():
            return c
    raise GeolageError(
        "the bundled demo data (data/boras_demo.toml) was not found; run geolage demo from a clone of the "
        "repository installed with 'pip install -e .'"
    )


#: Longest log line at the default level (the whole line with -v; every parameter is in run.json).
MAX_LOG_LINE = 200


class _ShortFormatter(logging.Formatter):
    """Log lines cut to :data:`MAX_LOG_LINE` characters (``…`` at the end), warnings and errors whole."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if record.levelno >= logging.WARNING or len(line) <= MAX_LOG_LINE:
            return line
        return line[: MAX_LOG_LINE - 1] + "…"


def _setup_logging(verbose: int, quiet: int) -> None:
    level = logging.INFO - 10 * verbose + 10 * quiet
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if verbose == 0:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(_ShortFormatter("%(levelname)s %(name)s: %(message)s"))
    for noisy in ("fiona", "rasterio", "matplotlib", "PIL", "pyogrio", "numba", "urllib3", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, level))


class _Progress:
    """A tqdm progress bar over named steps (silent with -q or when stderr is not a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="steg", leave=False, file=sys.stderr, dynamic_ncols=True)

    def __call__(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_description(name)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _print_quality(quality: dict, language: str) -> None:
    t = _TEXT[language]
    print(
        f"{t['source']:<28} {t['read']:>12} {t['accepted']:>10} {t['rejected']:>10} {t['fixes']:>8} {t['geocoded']:>16}"
    )
    for name, s in quality["per_source"].items():
        print(
            f"{name:<28} {s['read']:>12} {s['accepted']:>10} {s['rejected']:>10} {sum(s['fixes'].values()):>8} "
            f"{format_percent(s['geocoded_share'], language, 1, share=True):>16}"
        )
    print(
        f"{t['total']:<28} {quality['read']:>12} {quality['accepted']:>10} {quality['rejected']:>10} "
        f"{sum(quality['fixes'].values()):>8} {format_percent(quality['geocoded_share'], language, 1, share=True):>16}"
    )
    if quality["rejected_by_reason"]:
        print(f"\n{t['reasons']}:")
        for reason, n in sorted(quality["rejected_by_reason"].items(), key=lambda kv: -kv[1]):
            print(f"  {_word(REJECT_REASON_LABELS, reason, language):<32} {n:>8}")
    if quality["fixes"]:
        print(f"\n{t['fixlist']}:")
        for fix, n in quality["fixes"].items():
            print(f"  {_word(FIX_LABELS, fix, language):<32} {n:>8}")
    print(f"\n{t['pnr']}: {quality['personnummer_masked']}")
    if quality.get("repeated_id_rows"):
        print(f"{t['repeated_ids']}: {quality['repeated_id_rows']}")
    print(f"{t['outside']}: {quality['outside_districts']}")


#: The header geolage writes to rejects.csv: a file starting with it is geolage's own and may be replaced.
_REJECTS_HEADER = "source,source_row,reason,column,value,message,raw"


def _own_rejects_file(path: Path) -> bool:
    """Whether ``path`` is a rejects file geolage wrote (its header), so re-validating may replace it."""
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().strip().lstrip("\ufeff") == _REJECTS_HEADER
    except (OSError, UnicodeDecodeError):
        return False


def _word(words: dict, code: str, language: str) -> str:
    """A code (reject reason, fix) in words; the code itself when it has none."""
    return words[code][language] if code in words else code


def _print_reasons(results: Any, language: str, top: int = 3) -> None:
    """Per source, the most common rejection reasons in words with one example row (its message says the fix)."""
    t = _TEXT[language]
    rej = results.rejects
    for name in results.quality["per_source"]:
        mine = rej[rej["source"] == name]
        if len(mine):
            counts = mine["reason"].value_counts().head(top)
            print(f"\n{t['top'].format(source=name)}")
            for reason, n in counts.items():
                example = mine[mine["reason"] == reason].iloc[0]
                print(f"  {_word(REJECT_REASON_LABELS, reason, language):<30} {n:>7}  "
                      f"({t['row']} {example['source_row']}) {str(example['message'])[:160]}")


def _cmd_validate(args: argparse.Namespace) -> int:
    from .run.pipeline import prepare

    config = _load(args)
    language = config.project.language
    rejects_path = Path(args.rejects)
    if rejects_path.exists() and not args.overwrite and not _own_rejects_file(rejects_path):
        raise OutputExistsError(
            f"{rejects_path}: already exists and is not a rejects file geolage wrote; "
            "choose another --rejects or add --overwrite"
        )
    progress = _Progress(len(config.sources) + 2, enabled=not args.quiet and sys.stderr.isatty())
    try:
        results = prepare(config, progress=progress)
    finally:
        progress.close()
    if config.project.synthetic:
        print(_TEXT[language]["synthetic"])
    _print_quality(results.quality, language)
    _print_reasons(results, language)
    tmp = rejects_path.with_name(f".{rejects_path.name}.partial")
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    results.rejects.to_csv(tmp, index=False, encoding="utf-8")
    os.replace(tmp, rejects_path)
    print(f"\n{_TEXT[language]['rejects_written']} {rejects_path} ({len(results.rejects)})")
    _check_losses(results.quality, config)
    return 0


def _check_losses(quality: dict, config: Config) -> None:
    """Stop (exit 2) when a source lost more than ``validation.max_rejected_share`` of its rows."""
    from .source_checks import check_rejected_share

    problem = check_rejected_share(quality, config.validation.max_rejected_share, config.project.language)
    if problem:
        raise InputFileError(problem)


def _load(args: argparse.Namespace) -> Config:
    import dataclasses

    from .preflight import check_run_size

    config = read_config(args.config)
    check_run_size(config)
    project = config.project
    if getattr(args, "language", None):
        project = dataclasses.replace(project, language=args.language)
    config = dataclasses.replace(config, project=project)
    print(f"{_TEXT[project.language]['config_ok']} {args.config}")
    return config


def _cmd_run(args: argparse.Namespace) -> int:
    from .outputs import write_outputs
    from .run.pipeline import analyse, prepare
    from .run.steps import DEFAULT_STEPS

    config = _load(args)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise OutputExistsError(f"{out}: already exists; choose another --out or add --overwrite")
    from .preflight import check_district_count

    check_district_count(config)
    n_steps = len(config.sources) + 2 + len(DEFAULT_STEPS) + 6
    progress = _Progress(n_steps, enabled=not args.quiet and sys.stderr.isatty())
    try:
        results = prepare(config, progress=progress)
        try:
            _check_losses(results.quality, config)
        except InputFileError:  # the summary and each source's top reasons with their fixes, then the error
            _print_quality(results.quality, config.project.language)
            _print_reasons(results, config.project.language)
            raise
        analyse(results, progress=progress)
        written = write_outputs(
            results,
            out,
            overwrite=args.overwrite,
            mode=args.mode,
            language=config.project.language,
            pdf=False if args.no_pdf else None,
            progress=progress,
        )
    finally:
        progress.close()
    language = config.project.language
    if config.project.synthetic:
        print(_TEXT[language]["synthetic"])
    _print_quality(results.quality, language)
    print(f"\n{_TEXT[language]['done']} {out}")
    for key in sorted(written):
        if not key.startswith("csv:"):
            print(f"  {written[key]}")
    first = written.get("map") or written.get("report")
    if first is not None:
        print(f"\n{_TEXT[language]['open_first']} {first}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from .init import init_config

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise OutputExistsError(f"{out}: already exists; choose another --out or add --overwrite")
    language = args.language or "en"
    text, _ = init_config(args.data, out=out, districts=args.districts, districts_layer=args.districts_layer,
                          population=args.population, language=language, name=args.name, crs=args.crs,
                          districts_from=args.districts_from)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    t = _TEXT[language]
    n_todo = sum("TODO" in line for line in text.splitlines() if not line.startswith("# Lines with")
                 and not line.startswith("# Rader med"))
    print(f"{t['init_written']} {out}")
    print(t["init_todo"].format(n=n_todo))
    print(f"{t['init_next']}:\n  geolage validate {out}\n  geolage run {out} --out {out.stem}-results")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    args.config = str(demo_config_path())
    return _cmd_run(args)


def _batch_plan(args: argparse.Namespace, out: Path, work: Path) -> tuple[Any, Config | None]:
    """The batch plan: a template split by ``--by``, or ``--configs``."""
    from .batch.plan import plan_configs, plan_national, read_boundaries

    boundaries = None
    if args.boundaries:
        boundaries = read_boundaries(args.boundaries, layer=args.boundary_layer, code_field=args.boundary_code_field,
                                     name_field=args.boundary_name_field)
    if args.configs:
        if args.config or args.by:
            raise ConfigError("give either a template configuration with --by, or --configs, not both")
        return plan_configs(args.configs, out_dir=out, boundaries=boundaries), None
    if not args.config or not args.by:
        raise ConfigError("geolage batch needs a template configuration and --by COLUMN (the municipality code "
                          "column of its sources), or --configs A.toml B.toml ...")
    template = _load(args)
    wanted = [c for c in (args.municipalities or "").split(",") if c.strip()] or None
    plan = plan_national(template, by=args.by, out_dir=out, work_dir=work, boundaries=boundaries,
                         municipalities=wanted, district_field=args.district_field)
    return plan, template


class _BatchProgress:
    """Progress of a batch: a tqdm bar on a terminal, one line per municipality otherwise (none with -q)."""

    def __init__(self, total: int, language: str, quiet: bool) -> None:
        from .text import batch as BT

        self.words, self.language, self.quiet, self.bar = BT, language, quiet, None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=BT.CLI["progress"][language], file=sys.stderr, dynamic_ncols=True)

    def __call__(self, row: dict, done: int, total: int) -> None:
        status = self.words.STATUS_WORDS.get(row["status"], self.words.STATUS_WORDS["failed"])[self.language]
        if self.bar is not None:
            self.bar.set_postfix_str(f"{row['code']} {status}")
            self.bar.update(1)
        elif not self.quiet:
            print(f"[{done}/{total}] {row['code']} {row['name']}: {status}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _batch_settings(args: argparse.Namespace, configs: list[Config]) -> dict[str, Any]:
    """Language, mode, min_count and the synthetic flag of the batch as a whole."""
    return {
        "language": args.language or (configs[0].project.language if configs else "sv"),
        # public unless asked for, or unless every configuration says internal
        "mode": args.mode
        or ("internal" if configs and all(c.output.mode == "internal" for c in configs) else "public"),
        "min_count": min((c.output.min_count for c in configs), default=5),
        "synthetic": any(c.project.synthetic for c in configs),
        "seeds": sorted({c.project.seed for c in configs}),
    }


def _print_batch_end(plan: Any, result: Any, out: Path, language: str, synthetic: bool) -> None:
    from .batch.run import LOG_DIR, warning_summary
    from .batch.summary import SUMMARY_CSV, UNASSIGNED_CSV
    from .text.batch import CLI

    total, where, common = warning_summary(result.rows)
    if total:
        print(CLI["warnings"].format(n=total, m=where, path=out / LOG_DIR)[language], file=sys.stderr)
        for text, n, m in common:
            print(CLI["warning_line"].format(text=text[:200], n=n, m=m)[language], file=sys.stderr)
    if synthetic:
        print(_TEXT[language]["synthetic"])
    if len(plan.unassigned):
        print(CLI["unassigned"].format(n=len(plan.unassigned), path=out / UNASSIGNED_CSV)[language])
    ok = sum(r["status"] == "ok" for r in result.rows)
    print(CLI["done"].format(ok=ok, n=len(result.rows), path=out / SUMMARY_CSV)[language])
    if result.failed:
        print(CLI["failed_head"].format(n=len(result.failed))[language], file=sys.stderr)
        for r in result.failed:
            first = (r.get("error") or "").strip().splitlines()
            print(f"  {r['code']} {r['name']}: {first[0] if first else ''}", file=sys.stderr)


def _cmd_batch(args: argparse.Namespace) -> int:
    import datetime as dt
    import shutil
    import tempfile

    from .batch.profiles import get_profile
    from .batch.run import RunOptions, run_batch
    from .batch.summary import summary_table, write_summary
    from .text.batch import CLI

    out = Path(args.out)
    profile = get_profile(args.profile)
    if out.exists() and not args.overwrite:
        raise OutputExistsError(f"{out}: already exists; choose another --out or add --overwrite")
    if not args.verbose:  # Dask's own log (scheduler, nannies) only with -v
        for name in ("distributed", "tornado", "bokeh"):
            logging.getLogger(name).setLevel(logging.WARNING)
    started = dt.datetime.now(dt.UTC)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="geolage-batch-"))
    try:
        plan, template = _batch_plan(args, out, work)
        configs = [m.config for m in plan.municipalities] or ([template] if template else [])
        st = _batch_settings(args, configs)
        language = st["language"]
        steps = tuple(x.strip() for x in args.steps.split(",") if x.strip()) if args.steps else None
        options = RunOptions(mode=args.mode, language=args.language, pdf=False if args.no_pdf else None, steps=steps,
                             overwrite=args.overwrite, profile=profile.name)
        where = (CLI["scheduler"].format(address=args.scheduler) if args.scheduler
                 else CLI["local_workers"].format(n=args.workers or os.cpu_count() or 1))[language]
        print(CLI["planned"].format(n=len(plan.municipalities), workers=where)[language], file=sys.stderr)
        if profile.left_out and not args.quiet:
            print(CLI["profile"].format(name=profile.name, description=profile.description)[language],
                  file=sys.stderr)
            print(CLI["left_out"][language], file=sys.stderr)
            for _, text in profile.left_out:
                print(f"  - {text[language]}", file=sys.stderr)
        progress = _BatchProgress(len(plan.municipalities) + len(plan.failed), language, bool(args.quiet))
        try:
            result = run_batch(plan, options=options, workers=args.workers, scheduler=args.scheduler,
                               processes=not args.threads, progress=progress)
        finally:
            progress.close()
        table = summary_table(result.rows, plan.boundaries, mode=st["mode"], min_count=st["min_count"],
                              language=language)
        record = {
            "geolage_version": __version__,
            "started_utc": started.isoformat(timespec="seconds"),
            "finished_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **{k: st[k] for k in ("mode", "language", "seeds")},
            "synthetic_data": st["synthetic"],
            "by": args.by,
            "steps": list(steps) if steps else (list(profile.steps) if profile.steps else "all"),
            "profile": profile.record(),
            "rows_read": plan.read,
            "rows_unassigned": int(len(plan.unassigned)),
            **result.record,
            "municipalities": [
                {k: r.get(k) for k in ("code", "name", "status", "error", "read", "accepted", "rejected", "seconds",
                                       "cpu_seconds", "cell_size", "warnings", "log", "out_dir")}
                for r in result.rows
            ],
        }
        write_summary(table, out, record=record, unassigned=plan.unassigned, language=language,
                      min_count=st["min_count"], synthetic=st["synthetic"])
    finally:
        if not args.work and not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    _print_batch_end(plan, result, out, language, st["synthetic"])
    n_read = sum(plan.read.values())
    lost_most = n_read > 0 and len(plan.unassigned) > n_read / 2
    return 1 if result.failed or lost_most or not result.rows else 0


def _add_batch_parser(sub: Any, common: argparse.ArgumentParser, run_outputs: argparse.ArgumentParser) -> None:
    """The ``batch`` subcommand: many municipalities on Dask."""
    b = sub.add_parser(
        "batch",
        parents=[common, run_outputs],
        help="run many municipalities at once (Dask): one national file split by municipality code, or --configs",
    )
    b.add_argument("config", nargs="?", help="template run configuration whose sources are national files")
    b.add_argument("--by", help="column of every source with the municipality code (e.g. kommun_kod)")
    b.add_argument("--configs", nargs="+", help="run configurations, one per municipality (instead of a template)")
    b.add_argument("--out", required=True, help="output folder: one folder per municipality and the national summary")
    b.add_argument("--municipalities", help="only these codes, comma-separated (default: every code in the data)")
    b.add_argument("--district-field", help="field of the districts layer with the municipality code "
                   "(default: the municipality holding each district)")
    b.add_argument("--boundaries", help="municipality polygons (default: data/sweden/kommuner.gpkg, SCB)")
    b.add_argument("--boundary-layer", help="layer of --boundaries")
    b.add_argument("--boundary-code-field", default="kommun_kod", help="code field of --boundaries")
    b.add_argument("--boundary-name-field", default="kommun", help="name field of --boundaries")
    b.add_argument("--workers", type=int, help="local Dask workers (default: number of CPUs)")
    b.add_argument("--threads", action="store_true", help="run the local workers as threads of this process")
    b.add_argument("--scheduler", help="address of a running Dask scheduler (e.g. tcp://host:8786) instead of a "
                   "local cluster; workers need geolage and access to --work and --out")
    b.add_argument("--work", help="folder for the split inputs (default: a temporary folder, removed afterwards); "
                   "holds incident rows: keep it internal")
    b.add_argument("--keep-work", action="store_true", help="keep the temporary folder of split inputs")
    b.add_argument("--steps", help="analysis steps to run, comma-separated (statistics always runs; default: the "
                   "profile's)")
    b.add_argument("--profile", choices=("full", "national"), default="full",
                   help="full: every municipality's whole situation picture with the template's settings (default); "
                   "national: for a county or the whole country - grid cell size per municipality, the steps "
                   "statistics and hotspots, 99 permutations for global Moran's I, tables and "
                   "GeoPackage only (no report, map, rasters, workbook); what is left out is recorded in each "
                   "run.json and in batch.json")
    b.set_defaults(func=_cmd_batch)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``geolage`` command."""
    p = argparse.ArgumentParser(
        prog="geolage",
        description=(
            "Lägesbild från områdesgränser och geokodade brott / "
            "crime situation picture from districts and incidents."
        ),
    )
    p.add_argument("--version", action="version", version=f"geolage {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug); show tracebacks"
    )
    common.add_argument("-q", "--quiet", action="count", default=0, help="less log output, no progress bar")
    common.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    common.add_argument("--language", choices=("sv", "en"), help="language of messages and outputs (default: config)")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", parents=[common], help="check the input data and write the rejected rows")
    v.add_argument("config", help="run configuration (TOML)")
    v.add_argument("--rejects", default="rejects.csv", help="where to write rejected rows (default: rejects.csv)")
    v.set_defaults(func=_cmd_validate)

    i = sub.add_parser("init", parents=[common],
                       help="look at incident files and write a commented configuration to start from")
    i.add_argument("data", nargs="+", help="incident files (CSV, Excel, GeoPackage, GeoJSON, Parquet)")
    i.add_argument("--districts", help="district polygons (optional; without them the run is grid-only)")
    i.add_argument("--districts-layer", help="layer of a multi-layer district file")
    i.add_argument("--population", help="CSV of population per district (optional)")
    i.add_argument("--districts-from", metavar="COLUMN",
                   help="without --districts: draw district polygons from this column of district names in the "
                        "incidents (nearest-incident Voronoi, written beside the config)")
    i.add_argument("--crs", help="CRS of the x/y columns when the file does not say it (e.g. EPSG:26910)")
    i.add_argument("--name", help="project name (default: from the first file name)")
    i.add_argument("--out", default="geolage.toml", help="where to write the configuration (default: geolage.toml)")
    i.set_defaults(func=_cmd_init)

    run_outputs = argparse.ArgumentParser(add_help=False)
    run_outputs.add_argument(
        "--mode",
        choices=("public", "internal"),
        help="public (default): no incident points, small counts suppressed; internal: everything",
    )
    run_outputs.add_argument("--no-pdf", action="store_true", help="do not write the PDF report")

    r = sub.add_parser("run", parents=[common, run_outputs], help="make the full lägesbild")
    r.add_argument("config", help="run configuration (TOML)")
    r.add_argument("--out", required=True, help="output folder (must not exist unless --overwrite)")
    r.set_defaults(func=_cmd_run)

    d = sub.add_parser("demo", parents=[common, run_outputs], help="run the bundled Borås demo (synthetic incidents)")
    d.add_argument("--out", default="lagesbild-demo", help="output folder (default: lagesbild-demo)")
    d.set_defaults(func=_cmd_demo)

    _add_batch_parser(sub, common, run_outputs)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``geolage`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except GeolageError as exc:
        if args.verbose:
            raise
        language = _run_language(args) if exc.sv else "en"  # a message without Swedish words: all English
        print(f"{_ERROR_PREFIX[language]} {exc.in_language(language)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geolage: interrupted; no output was left half-written", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unforeseen input: a short message, the traceback in a log file
        if args.verbose:
            raise
        log_path = _write_traceback(exc)
        language = getattr(args, "language", None) or "en"
        message = _TEXT[language]["unexpected"].format(kind=f"{type(exc).__name__}: {exc}"[:200], log=log_path)
        print(f"geolage: error: {message}", file=sys.stderr)
        return 1


#: The start of the one line of a user's mistake, per language.
_ERROR_PREFIX = {"sv": "geolage: fel:", "en": "geolage: error:"}


def _run_language(args: argparse.Namespace) -> str:
    """The run's language for a message: ``--language``, else the config's ``project.language``, else Swedish."""
    import tomllib

    from .config import ProjectConfig

    if getattr(args, "language", None) in _ERROR_PREFIX:
        return str(args.language)
    config = getattr(args, "config", None)
    try:
        language = tomllib.loads(Path(config).read_text(encoding="utf-8")).get("project", {}).get("language")
    except (OSError, ValueError, TypeError, AttributeError):
        language = None
    return language if language in _ERROR_PREFIX else ProjectConfig.language


def _write_traceback(exc: BaseException) -> Path:
    """The traceback of ``exc`` in a new file in the temporary folder; its path."""
    import tempfile
    import traceback

    fd, name = tempfile.mkstemp(prefix="geolage-error-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"geolage {__version__}\n")
        fh.write("".join(traceback.format_exception(exc)))
    return Path(name)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
