"""The run's scenarios, controls and baselines, as the run (or the binary) describes them.

The scripts keep no list of controls or baselines. `refbench --list-scenarios` prints, and a
run's context.json records under "scenarios", one entry per family of benchmarks:

  {"name": "hot", "role": "scenario", "label": "...", "claims": [], "source": "bench/..."}
  {"name": "spread-array", "role": "control", "label": "...",
   "claims": ["page-size", "in-page-placement", "miss-density"], "source": "bench/..."}
  {"name": "noop", "role": "baseline", "label": "...", "claims": [], "source": "bench/..."}

A scenario names benchmarks <scenario>/<scheme>/...; a control control/<control>/...; a
baseline runs in a scenario in place of a scheme, <scenario>/<baseline>/.... So the second
part of a benchmark's name is a scheme, a control or a baseline, and this list says which.
A control's claims are the ids of the causes it is the control experiment for (why.py picks
each claim's rows from the controls that declare it); a scenario claims none, and a
baseline may claim what it is the limit of ("per-cpu-limit": the charts' reference line).

A run made before runs recorded the list has no "scenarios" in its context.json. Its
controls and baselines are then those the lab had when it stopped running without the list,
read from scenarios_before_list.json beside this file (the same shape): the report says so
wherever it shows them (ScenarioList.fallback gives the sentence), and nothing else changes.
"""

import json
from pathlib import Path

from rbresults.files import ResultsError, binary_json, check_format

ROLES = ("scenario", "control", "baseline")
BEFORE_LIST = Path(__file__).resolve().parent / "scenarios_before_list.json"


class Entry:
    """One family of benchmarks: its name, role, label, claims and the source that defines it."""

    __slots__ = ("name", "role", "label", "claims", "source")

    def __init__(self, name, role, label=None, claims=(), source=None):
        self.name, self.role, self.label = name, role, label
        self.claims, self.source = tuple(claims), source

    def __repr__(self):
        return f"Entry({self.name!r}, {self.role!r})"


class ScenarioList:
    """The entries of a run (or a binary) in their order. `where` names what gave them;
    `fallback` is None, or the sentence that says they were not the run's own."""

    def __init__(self, entries, where, fallback=None):
        self.entries = list(entries)
        self.where = where
        self.fallback = fallback
        self._by_name = {e.name: e for e in self.entries}

    def get(self, name):
        return self._by_name.get(name)

    def role(self, name):
        e = self._by_name.get(name)
        return e.role if e else None

    def label(self, name):
        e = self._by_name.get(name)
        return e.label if e else None

    def names(self, role):
        return [e.name for e in self.entries if e.role == role]

    def scenarios(self):
        return self.names("scenario")

    def controls(self):
        return self.names("control")

    def baselines(self):
        return self.names("baseline")

    def claiming(self, claim):
        """The controls that declare `claim`, in the list's order."""
        return [e.name for e in self.entries if e.role == "control" and claim in e.claims]

    def not_schemes(self):
        """Names that are never a scheme: the controls and the baselines."""
        return {e.name for e in self.entries if e.role in ("control", "baseline")}


def _valid_name(name):
    return (isinstance(name, str) and name != "" and "/" not in name
            and not any(c.isspace() for c in name))


def parse_scenarios(doc, where):
    """[Entry] from a list of entries (context.json "scenarios" or --list-scenarios).
    Raises ResultsError naming `where` and the entry on anything else."""
    if not isinstance(doc, list):
        raise ResultsError(f"{where}: 'scenarios' is {type(doc).__name__}, not a list of "
                           f"entries (accepted: objects with name, role, label, claims, source)")
    out, seen = [], set()
    for i, e in enumerate(doc):
        if not isinstance(e, dict):
            raise ResultsError(f"{where}: scenarios[{i}] is {type(e).__name__}, not an object "
                               f"(accepted: name, role, label, claims, source)")
        name, role = e.get("name"), e.get("role")
        if not _valid_name(name):
            raise ResultsError(f"{where}: scenarios[{i}] needs a 'name' (text without '/' or "
                               f"spaces), got {name!r}")
        if role not in ROLES:
            raise ResultsError(f"{where}: scenarios[{i}] ({name}) has role {role!r} "
                               f"(accepted: {', '.join(ROLES)})")
        claims = e.get("claims", [])
        if not isinstance(claims, list) or not all(isinstance(c, str) and c for c in claims):
            raise ResultsError(f"{where}: scenarios[{i}] ({name}) has claims {claims!r} "
                               f"(accepted: a list of claim ids, e.g. [\"page-size\"])")
        for key in ("label", "source"):
            if e.get(key) is not None and not isinstance(e[key], str):
                raise ResultsError(f"{where}: scenarios[{i}] ({name}) has {key} {e[key]!r} "
                                   f"(accepted: text)")
        if name in seen:
            raise ResultsError(f"{where}: {name!r} listed twice in 'scenarios'")
        seen.add(name)
        out.append(Entry(name, role, e.get("label") or None, claims, e.get("source")))
    return out


def of_context(context, where):
    """The ScenarioList of a run's context.json (a dict; {} when the run has none): its own
    "scenarios", or the list before runs recorded one, marked as such."""
    if "scenarios" in context:
        return ScenarioList(parse_scenarios(context["scenarios"], where), "context.json")
    return before_list()


def before_list():
    """The list the lab had before runs recorded it (scenarios_before_list.json)."""
    try:
        doc = json.loads(BEFORE_LIST.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ResultsError(f"{BEFORE_LIST}: cannot be read ({e}); it comes with these "
                           f"scripts") from None
    entries = parse_scenarios(doc.get("scenarios") if isinstance(doc, dict) else doc,
                              BEFORE_LIST)
    return ScenarioList(entries, BEFORE_LIST.name, fallback=(
        "this run's context.json has no scenario list (a run made before refbench recorded "
        "one): its controls, baselines and their claims are those the lab had then "
        f"({BEFORE_LIST.name}, beside the scripts)"))


def scenarios_of_binary(binary, timeout=60):
    """The ScenarioList a refbench binary prints for `BINARY --list-scenarios`: a JSON object
    with a "scenarios" list (and refbench_format), or the list alone."""
    doc, where = binary_json(binary, "--list-scenarios",
                             "a refbench older than the scenario list?", timeout)
    if isinstance(doc, dict):
        if "scenarios" not in doc:
            raise ResultsError(f"{where}: no 'scenarios' list in its output")
        if "refbench_format" in doc:
            check_format(doc, where)
        doc = doc["scenarios"]
    return ScenarioList(parse_scenarios(doc, where), where)


def baselines_for(binary, names, known):
    """The baselines of a refbench binary, asked (BINARY --list-scenarios) only when `names`,
    a command line's comma list, holds one that is not in `known` (the binary's schemes).
    Returns (baselines, note): note is "" or says why the baselines are not known."""
    if not names or all(n in known for n in names.split(",")):
        return [], ""
    try:
        return scenarios_of_binary(binary).baselines(), ""
    except ResultsError as e:
        return [], f" (its baselines are not known: {e})"
