"""The correctness table: each scheme's outcome under the deterministic
interleaving (race.json, build/refbench-race) beside what its handoff
benchmarks measured (references moved between CPUs, module_refcount()
reads below what the reader knew to be held).

rows(run) returns one dict per scheme, in the run's scheme order, with the
race's figures, the handoff figures summed over repetitions (under-reads
per million are the sum's), or the reason either is missing.
"""
import json


def _race(run):
    """{scheme: race.json entry}, or (None, why it is not there)."""
    path = run.path / "race.json"
    if not path.is_file():
        return None, ("race.json is not in this run: its race step did not run "
                      "(make bench runs build/refbench-race)")
    try:
        data = json.loads(path.read_text())
        return {s["scheme"]: s for s in data["schemes"]}, data.get("method", "")
    except OSError as e:
        return None, f"race.json could not be read ({e.strerror})"
    except (ValueError, KeyError, TypeError):
        return None, "race.json is not the race step's JSON (a 'schemes' list of outcomes)"


def _handoff(run):
    """{scheme: {reads, under, zero, ops_per_sec, error}} from the handoff benchmarks."""
    out = {}
    for b in run.benchmarks:
        if b.scenario != "handoff":
            continue
        h = out.setdefault(b.scheme, {"reads": 0.0, "under": 0.0, "zero": 0.0,
                                      "ops_per_sec": None, "error": None})
        if b.errors:
            h["error"] = b.errors[0]
        for key, counter in (("reads", "handoff_reads"), ("under", "under_reads"),
                             ("zero", "zero_reads")):
            s = b.stats.get(counter)
            if s is not None:
                h[key] += sum(s.values) if s.values else s.mean
        if b.get("ops_per_sec") is not None:
            h["ops_per_sec"] = b.get("ops_per_sec")
    return out


def rows(run):
    race, why_race = _race(run)
    handoff = _handoff(run)
    names = list(run.scheme_names())
    for n in list(race or {}) + list(handoff):
        if n not in names:
            names.append(n)
    result = []
    for n in names:
        r = (race or {}).get(n)
        h = handoff.get(n)
        row = {"scheme": n}
        if r is None:
            row["race"] = f"not in this run ({why_race})" if race is None else "not run"
        elif r.get("error"):
            row["race"] = r["error"]
        else:
            row["claims"] = "never reads low" if r.get("claims_migration_safe") else "may read low"
            row["interleavings"] = r.get("reads")
            row["race_under"] = r.get("under_reads")
            row["race_lowest"] = r.get("min_read")
            row["race"] = ("matches its claim" if r.get("matches_claim")
                           else "DOES NOT MATCH its claim")
        if h is None:
            row["handoff"] = "not in this run"
        elif h["error"] and not h["reads"]:
            row["handoff"] = f"skipped: {h['error']}"
        else:
            row["handoff_reads"] = int(h["reads"])
            row["handoff_under"] = int(h["under"])
            row["handoff_zero"] = int(h["zero"])
            row["handoff_under_per_million"] = (h["under"] * 1e6 / h["reads"]
                                                if h["reads"] else None)
            row["handoff_ops_per_sec"] = h["ops_per_sec"]
            if r and not r.get("error"):
                safe = r.get("claims_migration_safe")
                row["handoff"] = ("contradicts the claim" if safe and h["under"]
                                  else "consistent with the claim")
        result.append(row)
    # With race.json: its method; without: why it is missing.
    return result, why_race


if __name__ == "__main__":
    # A part of the report, not a command: run on a folder it would print nothing.
    import sys
    print("correctness.py: a part of the report, not a command (accepted: scripts/pyrun "
          "-m rbresults.report RUN_DIR for the page, -m rbresults.summary RUN_DIR for the "
          "text)",
          file=sys.stderr)
    sys.exit(2)
