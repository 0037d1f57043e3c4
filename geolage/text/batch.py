"""Words of ``geolage batch``: the command's messages and the national summary (table, layer, map)."""

from __future__ import annotations

from .format import Text

__all__ = [
    "SUMMARY_TITLE",
    "SUMMARY_DESCRIPTION",
    "RATE_LAYER",
    "RATE_UNIT",
    "COVERAGE_LAYER",
    "COVERAGE_UNIT",
    "NO_VALUE",
    "FAILED",
    "WITHHELD",
    "MUNICIPALITY",
    "STATUS_WORDS",
    "COLUMN_WORDS",
    "CLI",
]

SUMMARY_TITLE = Text("Nationell sammanställning per kommun", "National summary by municipality")
SUMMARY_DESCRIPTION = Text(
    "En rad per kommun i körningen: lästa, godkända och avvisade rader, antal händelser {span}, "
    "folkmängd, antal per {rate_per} invånare och år (personår som nämnare) och täckningsgrad mot Brås "
    "anmälda brott (alla år som båda finns för). Misslyckade kommuner har status och orsak.",
    "One row per municipality in the run: rows read, accepted and rejected, incidents {span}, "
    "population, incidents per {rate_per} inhabitants per year (person-years as denominator) and "
    "coverage of Brå's reported offences (over every year both exist for). Failed municipalities "
    "have their status and reason.",
)
RATE_LAYER = Text("Händelser per {rate_per} invånare och år", "Incidents per {rate_per} inhabitants per year")
RATE_UNIT = Text("per {rate_per} invånare och år, {span}", "per {rate_per} inhabitants per year, {span}")
COVERAGE_LAYER = Text("Täckning mot Brås anmälda brott", "Coverage of Brå's reported offences")
COVERAGE_UNIT = Text("våra data / Brås anmälda brott, {years}", "our data / Brå's reported offences, {years}")
NO_VALUE = Text("inget värde (folkmängd eller Brå-siffror saknas)", "no value (population or Brå totals missing)")
FAILED = Text("körningen misslyckades", "the run failed")
WITHHELD = Text("dolt (färre än {k} händelser)", "withheld (fewer than {k} incidents)")
MUNICIPALITY = Text("Kommun", "Municipality")
STATUS_WORDS = {"ok": Text("klar", "done"), "failed": Text("misslyckades", "failed")}
COLUMN_WORDS = {
    "count": Text("Händelser", "Incidents"),
    "population": Text("Folkmängd", "Population"),
    "rate": Text("Per {rate_per} inv. och år", "Per {rate_per} inhabitants per year"),
    "bra_coverage": Text("Täckning mot Brå", "Coverage of Brå"),
    "status": Text("Status", "Status"),
}

#: Messages of the ``geolage batch`` command.
CLI = {
    "planned": Text("{n} kommuner att köra ({workers})", "{n} municipalities to run ({workers})"),
    "local_workers": Text("{n} lokala arbetare", "{n} local workers"),
    "scheduler": Text("kluster {address}", "cluster {address}"),
    "unassigned": Text(
        "{n} rader kunde inte föras till någon kommun (saknad eller okänd kommunkod): se {path}",
        "{n} rows could not be given to a municipality (missing or unknown municipality code): see {path}",
    ),
    "progress": Text("kommuner", "municipalities"),
    "done": Text("Klart: {ok} av {n} kommuner. Sammanställning: {path}", "Done: {ok} of {n} municipalities. "
                 "Summary: {path}"),
    "failed_head": Text("{n} kommuner misslyckades:", "{n} municipalities failed:"),
    "all_failed": Text("Ingen kommun kunde köras.", "No municipality could be run."),
    "profile": Text("Profil {name}: {description}", "Profile {name}: {description}"),
    "left_out": Text("Utelämnat (står i varje kommuns run.json och i batch.json):",
                     "Left out (recorded in each municipality's run.json and in batch.json):"),
    "warnings": Text(
        "{n} varningar från {m} kommuner, i varje kommuns logg ({path}). Vanligast:",
        "{n} warnings from {m} municipalities, in each municipality's log ({path}). Most common:",
    ),
    "warning_line": Text("  {text} ({n} gånger, {m} kommuner)", "  {text} ({n} times, {m} municipalities)"),
}
