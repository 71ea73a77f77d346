"""The refcount schemes of a run, as the run (or the binary) describes them.

The scripts keep no list of schemes: the lab registers them in kernels/schemes.def and each
scheme describes itself. `refbench --list-schemes` prints the descriptions, and a run's
context.json holds the same list under "schemes", in the order charts and tables show them:

  {"name": "vmalloc-array", "label": "NR_CPUS array (2.6.28), vmalloc", "models": "...",
   "module_memory": "vmalloc", "module_pages": "4k", "ref_storage": "embedded-nr-cpus-array",
   "unload_era": 2009}

Runs written before the descriptions have shorter entries (name, models, module_memory as
prose) or none; their order is then the order in which the schemes first appear in the run's
files. A scheme found in the files but not in the list is added at the end, never dropped.
The baselines and the controls are the harness's own, not schemes: the run's scenario list
(scenarios.py) names them, and the functions here take their names from it.
"""

from rbresults.files import ResultsError, binary_json, check_format

# Fields of a description that say where module memory comes from; two schemes whose other
# fields all agree run the same code on different memory.
MEMORY_FIELDS = {"module_memory", "module_pages"}
# Fields that name or explain a scheme rather than describe its behaviour.
NAMING_FIELDS = {"name", "label", "models"}
PAGE_SIZES = ("4k", "2m")


class Scheme:
    """One scheme: its name and the fields of its description ({} when undescribed)."""

    __slots__ = ("name", "fields", "source")

    def __init__(self, name, fields=None, source="context.json"):
        self.name = name
        self.fields = dict(fields or {})
        self.source = source          # where the run names it

    @property
    def label(self):
        v = self.fields.get("label")
        return v if isinstance(v, str) and v else None

    def get(self, key, default=None):
        return self.fields.get(key, default)

    def __repr__(self):
        return f"Scheme({self.name!r}, source={self.source!r})"


def valid_name(name):
    return (isinstance(name, str) and name != "" and "/" not in name
            and not any(c.isspace() for c in name))


def parse_schemes(doc, where, baselines=()):
    """[Scheme] from a list of descriptions (context.json "schemes" or --list-schemes).
    Raises ResultsError naming `where` on anything but a list of objects with distinct names,
    or on a name that `baselines` (the run's) gives to a baseline of the harness."""
    if not isinstance(doc, list):
        raise ResultsError(f"{where}: 'schemes' is {type(doc).__name__}, not a list of "
                           f"scheme descriptions")
    out, seen = [], set()
    for i, e in enumerate(doc):
        name = e.get("name") if isinstance(e, dict) else None
        if not valid_name(name):
            raise ResultsError(f"{where}: schemes[{i}] needs a 'name' (text without '/' or "
                               f"spaces), got {name!r}")
        if name in baselines:
            raise ResultsError(f"{where}: schemes[{i}] is {name!r}, a baseline of the "
                               f"harness, not a scheme (baselines: {', '.join(baselines)})")
        if name in seen:
            raise ResultsError(f"{where}: scheme {name!r} listed twice")
        seen.add(name)
        out.append(Scheme(name, e, where))
    return out


def schemes_of_binary(binary, timeout=60):
    """The schemes a refbench binary was built with (`BINARY --list-schemes`)."""
    doc, where = binary_json(binary, "--list-schemes",
                             "a refbench older than the scheme registry?", timeout)
    if not isinstance(doc, dict) or "schemes" not in doc:
        raise ResultsError(f"{where}: no 'schemes' list in its output")
    check_format(doc, where)
    schemes = parse_schemes(doc["schemes"], where)
    if not schemes:
        raise ResultsError(f"{where}: lists no scheme")
    return schemes


def run_schemes(described, seen, not_schemes=()):
    """The run's schemes: `described` (context.json's, in order), then each name of `seen`
    [(name, source file)] that is neither described nor in `not_schemes` (the run's controls
    and baselines), first seen first."""
    out = list(described)
    known = {s.name for s in out}
    for name, source in seen:
        if name not in known and name not in not_schemes and valid_name(name):
            known.add(name)
            out.append(Scheme(name, None, source))
    return out


def order_key(schemes, baselines=()):
    """Sort key for names: the run's schemes in its order, then its baselines in theirs, then
    anything else by name."""
    pos = {s.name: i for i, s in enumerate(schemes)}
    base = {b: len(pos) + i for i, b in enumerate(baselines)}
    rest = len(pos) + len(base)
    return lambda name: (pos.get(name, base.get(name, rest)), name)


def order(names, schemes, baselines=()):
    """Distinct names in the run's order (see order_key)."""
    return sorted(set(names), key=order_key(schemes, baselines))


def _behaviour(s):
    return {k: v for k, v in s.fields.items() if k not in MEMORY_FIELDS | NAMING_FIELDS}


def page_size_pairs(schemes):
    """Pairs (scheme on 4 KiB pages, scheme on 2 MiB pages) whose descriptions agree in
    everything but module memory: the same ref_storage, unload era and any other behaviour
    field, so the same code on different pages. Returns ([(four_k, huge)], reason): reason
    says why there is no pair (None when there is one)."""
    described = [s for s in schemes if s.get("ref_storage") and s.get("module_pages")]
    if not described:
        return [], ("the run's scheme list does not say where each scheme's counts live and "
                    "on which pages (context.json 'schemes' without ref_storage and "
                    "module_pages: a run older than the scheme registry), so no two schemes "
                    "are known to run the same code")
    four_k = [s for s in described if s.get("module_pages") == PAGE_SIZES[0]]
    huge = [s for s in described if s.get("module_pages") == PAGE_SIZES[1]]
    pairs = [(a.name, b.name) for a in four_k for b in huge if _behaviour(a) == _behaviour(b)]
    if pairs:
        return pairs, None
    return [], ("no two schemes of this run differ only in their module pages (same "
                "ref_storage and unload era, one on 4k and one on 2m pages)")
