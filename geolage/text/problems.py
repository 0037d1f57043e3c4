"""Configuration problems in Swedish: the checkers' English one-line problems said in Swedish.

The range checks (:mod:`geolage.config_rules`) and the size guard (:mod:`geolage.preflight`) write each
problem in both languages (:class:`geolage.errors.Problem`). The type and key checks of
:mod:`geolage.config` write English; :func:`in_swedish` says those in Swedish by their pattern (keys,
values and file names are kept as given). A problem of no known pattern stays in English.
"""

from __future__ import annotations

import re

from .format import Text

__all__ = ["in_swedish", "NEEDS", "PROBLEM_PATTERNS", "PROBLEMS_HEADER"]

#: What a value needs to be (:func:`geolage.config._describe` and the range rules), in Swedish.
NEEDS: dict[str, str] = {
    "a string": "en text",
    "an integer": "ett heltal",
    "a number": "ett tal",
    "true or false": "true eller false",
    "a file path (string)": "en sökväg (text)",
    "a date (YYYY-MM-DD)": "ett datum (ÅÅÅÅ-MM-DD)",
    "a table": "en tabell",
    "a positive number": "ett positivt tal",
    "a positive number or 'auto'": "ett positivt tal eller 'auto'",
}

#: English pattern -> Swedish template of the problems :mod:`geolage.config` writes.
PROBLEM_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), sv) for p, sv in (
    (r"^'(?P<key>.+?)' needs to be (?P<need>.+?); got (?P<got>.+)$", "'{key}' behöver vara {need}; angivet: {got}"),
    (r"^(?P<key>.+?) needs to be a table; got (?P<got>.+)$", "{key} behöver vara en tabell; angivet: {got}"),
    (r"^unknown key '(?P<key>[^']+)'; expected one of: (?P<known>.+)$",
     "okänd nyckel '{key}'; förväntade en av: {known}"),
    (r"^missing key '(?P<key>[^']+)'; it needs to be (?P<need>.+)$",
     "nyckeln '{key}' saknas; den behöver vara {need}"),
    (r"^'(?P<key>.+?)': file not found: (?P<path>.+); check the path \(relative to the config file\)$",
     "'{key}': filen finns inte: {path}; kontrollera sökvägen (relativ till konfigurationsfilen)"),
    (r"^'periods\.start' \((?P<a>[^)]+)\) is after 'periods\.end' \((?P<b>[^)]+)\)$",
     "'periods.start' ({a}) ligger efter 'periods.end' ({b}); byt plats på dem"),
    (r"^'(?P<key>[^']+)' starts \((?P<a>[^)]+)\) after it ends(?: \((?P<b>[^)]+)\))?$",
     "'{key}' börjar ({a}) efter att den slutar"),
    (r"^'areas\.focus': '(?P<name>.+)' is named twice; give each focus area once$",
     "'areas.focus': '{name}' anges två gånger; ange varje fokusområde en gång"),
    (r"^'(?P<key>[^']+)' needs a name and at least one district \(ids or names\)$",
     "'{key}' behöver ett namn och minst ett område (id eller namn)"),
    (r"^'output\.min_count' needs to be at least 1; got (?P<got>.+)$",
     "'output.min_count' behöver vara minst 1; angivet: {got}"),
    (r"^'grid\.cell_size' needs to be a positive whole number of metres or 'auto'; got (?P<got>.+)$",
     "'grid.cell_size' behöver vara ett positivt heltal meter eller 'auto'; angivet: {got}"),
    (r"^'near_repeat\.category' needs to be a category code or 'auto'; got (?P<got>.+)$",
     "'near_repeat.category' behöver vara en kategorikod eller 'auto'; angivet: {got}"),
    (r"^'(?P<key>[^']+)' needs at least two increasing values; got (?P<got>.+)$",
     "'{key}' behöver minst två växande värden; angivet: {got}"),
    (r"^sources: the name '(?P<name>.+)' is used twice; give each source its own name$",
     "sources: namnet '{name}' används två gånger; ge varje källa ett eget namn"),
    (r"^sources '(?P<name>.+)': format cannot be told from the extension '(?P<ext>.*)'; set format to one of "
     r"(?P<formats>.+)$",
     "sources '{name}': formatet går inte att avgöra från filändelsen '{ext}'; sätt format till en av {formats}"),
    (r"^'sources' needs at least one \[\[sources\]\] table$", "'sources' behöver minst en [[sources]]-tabell"),
))

#: The header of a list of problems.
PROBLEMS_HEADER = Text("{n} problem i konfigurationen:", "{n} problems in the configuration:")


def _need(text: str) -> str:
    """What a value needs to be, in Swedish: ``"one of 'sv', 'en'"`` -> ``"en av 'sv', 'en'"``."""
    if text in NEEDS:
        return NEEDS[text]
    if text.startswith("one of "):
        return "en av " + text.removeprefix("one of ")
    if " or " in text:
        return " eller ".join(_need(part) for part in text.split(" or "))
    m = re.fullmatch(r"a list of (\d+) values", text)
    if m:
        return f"en lista med {m.group(1)} värden"
    if text.startswith("a list of "):
        return "en lista av " + _need(text.removeprefix("a list of "))
    return text


def in_swedish(problem: str) -> str:
    """A configuration problem of :mod:`geolage.config` in Swedish (unchanged when its pattern is unknown).

    Parameters
    ----------
    problem : str
        One English problem line.

    Returns
    -------
    str
        The Swedish line; keys, values and paths as given.

    Examples
    --------
    >>> in_swedish("'hotspots.permutations' needs to be an integer; got 'many'")
    "'hotspots.permutations' behöver vara ett heltal; angivet: 'many'"
    """
    for pattern, template in PROBLEM_PATTERNS:
        m = pattern.match(problem)
        if m:
            values = {k: (v or "") for k, v in m.groupdict().items()}
            if "need" in values:
                values["need"] = _need(values["need"])
            return template.format(**values)
    return problem
