"""scripts/abstats.py on synthetic paired data: a known shift under machine drift is
found, A/A under the same drift is not flagged, the interval covers the truth about as
often as it says."""

import math
import random

import abstats  # noqa: E402


def abba_samples(rounds, shift, rng, base=10.0, noise=0.01, step=0.25, trend=0.02):
    """(pair_id, side, value) of `rounds` ABBA rounds: old = base, new = base * (1 +
    shift), each process times a lognormal noise, the whole machine drifting: `trend`
    per round and a step of `step` halfway (as seen on a shared machine)."""
    out = []
    slot = 0
    for r in range(rounds):
        order = ["old", "new", "new", "old"] if r % 2 == 0 else ["new", "old", "old", "new"]
        for i, side in enumerate(order):
            machine = (1 + trend * (slot / 4.0)) * (1 + step if r >= rounds // 2 else 1)
            v = base * (1 + shift if side == "new" else 1) * machine
            out.append((2 * r + i // 2, side, v * math.exp(rng.gauss(0, noise))))
            slot += 1
    return out


def test_signed_rank_distribution():
    c = abstats.signed_rank_counts(4)
    assert sum(c) == 16 and len(c) == 11
    assert c == c[::-1]                      # symmetric about n(n+1)/4
    assert c[0] == 1 and c[5] == 2           # {}, and {5}: {1,4} {2,3}
    assert abstats.trim_count(5) == 0        # 1/32 > 0.025: no 95% interval
    assert abstats.trim_count(6) == 1        # 1/64 <= 0.025
    assert abstats.min_pairs() == 6
    # Tables give the critical value 13 for n = 12 at two-sided 0.05: drop 14 a side.
    assert abstats.trim_count(12) == 14


def test_hodges_lehmann_simple():
    est, lo, hi = abstats.hodges_lehmann([1.0, 2.0, 3.0])
    assert est == 2.0 and lo is None and hi is None
    est, lo, hi = abstats.hodges_lehmann([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert abs(est - 0.35) < 1e-12 and lo == 0.1 and hi == 0.6


def test_known_shift_with_drift_is_found():
    rng = random.Random(1)
    s = abba_samples(10, 0.05, rng)
    row = abstats.judge(abstats.pair_log_ratios(s), 0.02)
    assert row["pairs"] == 20
    assert abs(row["ratio"] - 1.05) < 0.01
    assert row["low"] > 1.02 and row["high"] < 1.08
    assert row["verdict"] == abstats.SLOWER
    # An 8% slowdown is SLOWER at a 5% threshold; at 10% it is not.
    s8 = abstats.pair_log_ratios(abba_samples(10, 0.08, random.Random(2)))
    assert abstats.judge(s8, 0.05)["verdict"] == abstats.SLOWER
    assert abstats.judge(s8, 0.10)["verdict"] != abstats.SLOWER


def test_faster_is_found():
    d = abstats.pair_log_ratios(abba_samples(10, -0.12, random.Random(3)))
    assert abstats.judge(d, 0.05)["verdict"] == abstats.FASTER


def test_aa_with_drift_is_unchanged():
    for seed in range(20):
        d = abstats.pair_log_ratios(abba_samples(10, 0.0, random.Random(100 + seed)))
        row = abstats.judge(d, 0.05)
        assert row["verdict"] == abstats.UNCHANGED, (seed, row)


def test_unpaired_would_be_fooled():
    # The same drift, medians of all old against all new: the step halfway makes the
    # sides' spread far wider than the pairs' (why make ab pairs).
    s = abba_samples(10, 0.0, random.Random(4))
    old = [v for _, side, v in s if side == "old"]
    d = abstats.pair_log_ratios(s)
    assert max(old) / min(old) > 1.2
    assert max(d) - min(d) < 0.1


def test_too_few_pairs_is_undecided_with_what_is_needed():
    d = abstats.pair_log_ratios(abba_samples(2, 0.0, random.Random(5)))
    row = abstats.judge(d, 0.05)
    assert row["verdict"] == abstats.UNDECIDED and row["pairs_needed"] == 6


def test_noisy_is_undecided_with_more_pairs_needed():
    rng = random.Random(6)
    d = [rng.gauss(0.0, 0.08) for _ in range(8)]
    row = abstats.judge(d, 0.05)
    assert row["verdict"] == abstats.UNDECIDED
    assert row["half_width"] > row["needed"] > 0
    assert row["pairs_needed"] > 8


def test_interval_coverage():
    rng = random.Random(7)
    trials, hits = 400, 0
    for _ in range(trials):
        d = [0.03 + rng.gauss(0, 0.02) for _ in range(10)]
        _, lo, hi = abstats.hodges_lehmann(d)
        hits += lo <= 0.03 <= hi
    # 10 pairs: the exact level is 1 - 2 * P(T <= 8) = 0.951.
    assert 0.92 <= hits / trials <= 0.985, hits


def test_missing_side_and_bad_values_are_left_out():
    s = [(0, "old", 1.0), (0, "new", 1.1), (1, "old", 1.0), (2, "new", 0.0),
         (2, "old", 1.0), (3, "old", 2.0), (3, "old", 4.0), (3, "new", 3.0)]
    d = abstats.pair_log_ratios(s)
    assert len(d) == 2 and abs(d[0] - math.log(1.1)) < 1e-12 and abs(d[1]) < 1e-12
