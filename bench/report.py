#!/usr/bin/env python3
"""Turns a raw results file (scenario, supervisor, rep, metric, value: TSV)
into Markdown tables: median (min-max) per supervisor, and psup's ratio
against each (psup / other; the 'better' column says which way is good)."""
import sys
from collections import defaultdict

TITLES = {
    "idle": "1. Idle footprint (everything the supervisor owns; apps excluded)",
    "start": "2. Start latency: `start` until 100 apps have exec'd",
    "restart": "3. Restart gap: app exits 1 at once, restart delay 0, guard disabled",
    "logs": "4. Log capture: 100-byte numbered lines, app exits right after its last write",
    "control": "5. Control latency with 100 apps",
    "stop": "6. Stop: app ignores SIGTERM, has a child and a setsid() child; kill timeout 3 s",
    "survival": "7. Survival: kill -9 the daemon with 10 apps running",
    "fleet": "8. A fleet: {fleet_apps} apps in one file",
    "worker": "Worker: psup-worker and plain clients against a private nginx on 127.0.0.1",
}
# metric: (label, better) ; better is "lower", "higher" or "" (no ratio)
METRICS = {
    "pss_mib_5": ("PSS, 5 apps (MiB)", "lower"),
    "pss_mib_100": ("PSS, 100 apps (MiB)", "lower"),
    "procs_5": ("processes owned, 5 apps", ""),
    "procs_100": ("processes owned, 100 apps", ""),
    "cpu_ms_5": ("CPU over the idle window, 5 apps (ms)", "lower"),
    "cpu_ms_100": ("CPU over the idle window, 100 apps (ms)", "lower"),
    "wakeups_5": ("wake-ups (context switches) over the idle window, 5 apps", "lower"),
    "wakeups_100": ("wake-ups (context switches) over the idle window, 100 apps", "lower"),
    "start_ms_warm": ("100 apps exec'd, daemon up (ms)", "lower"),
    "start_ms_cold": ("100 apps exec'd, cold (ms)", "lower"),
    "gap_ms": ("median gap between starts (ms)", "lower"),
    "restarts_seen": ("restarts seen in the window", ""),
    "status_ms": ("`jlist` / `supervisorctl status` / `sv status` (ms)", "lower"),
    "status2_ms": ("`ls` / `status` table (ms)", "lower"),
    "stop_ms": ("time to stop (ms)", "lower"),
    "app_survives": ("app left running", ""),
    "child_survives": ("same-group child left running", ""),
    "setsid_child_survives": ("setsid() child left running", ""),
    "alive_after_5s": ("apps running 5 s later (of 10)", ""),
    "restarted_after_kill": ("apps restarted when then killed (of 10): still supervised", "higher"),
    "listed_after": ("apps the status command lists afterwards", ""),
    "fleet_start_ms": ("all apps exec'd after `start`, daemon up (ms)", "lower"),
    "fleet_start_cold_ms": ("all apps exec'd after `start`, cold (ms)", "lower"),
    "fleet_status_ms": ("`jlist` / `supervisorctl status` / `sv status` (ms, median of 5, 0.5 s apart)", "lower"),
    "fleet_pss_mib": ("supervisor-owned PSS (MiB)", "lower"),
    "fleet_restart_ms": ("`restart all` until every app exec'd again (ms)", "lower"),
    "fleet_status_during_stop_ms": ("the same, once, 0.2 s into `stop all` (ms)", "lower"),
    "fleet_stop_ms": ("`stop all` until every app is gone (ms)", "lower"),
    "fleet_delete_ms": ("`delete all` (ms)", "lower"),
    "fleet_start_again_ms": ("`start` again after `delete all`, until every app exec'd (ms)", "lower"),
    "fleet_kill_ms": ("`kill` until every app is gone (ms)", "lower"),
    "rps_ok": ("requests/s against the 200 endpoint, no limit (psup: items/s, one worker, results committed)", "higher"),
    "cpu_us_per_item": ("CPU per request, user + system (µs; psup: per item, one worker, both threads)", "lower"),
    "p429_pct": ("429s, % of requests to the limited endpoint", "lower"),
    "accepted": ("requests accepted (200) by the limited endpoint", ""),
    "goodput_pct": ("accepted r/s, % of the configured rate (3 workers sharing rpm = 98 % of 50 r/s)", "higher"),
    "items_done_lim": ("items done (limited run)", ""),
    "over_p429_first5s_pct": ("rpm 2x the server's limit: 429 % in the first 5 s", "lower"),
    "over_p429_last5s_pct": ("rpm 2x the server's limit: 429 % in the last 5 s", "lower"),
    "over_accepted_rps": ("rpm 2x the server's limit: accepted r/s", "higher"),
    "items_done_ok": ("items done (unlimited run)", ""),
    "rss_mib_1000_inflight": ("worker RSS with 1,000 requests in flight (MiB)", "lower"),
    "crash_clean_s": ("crash cost: time to finish, no kill (s)", "lower"),
    "crash_kill_s": ("crash cost: time to finish, worker killed -9 mid-run (s)", "lower"),
    "crash_redone": ("crash cost: requests redone", "lower"),
    "crash_done": ("crash cost: items done", ""),
}
# The job-store scenario (worker/stores.sh) gets a table of its own: one
# column per store, rows below, each metric named ROW_STORE in the raw file.
STORES = (("sqlite", "SQLite"), ("pg", "PostgreSQL"))
STORE_ROWS = [
    ("scale_rps_1", "1 worker: items/s"),
    ("scale_rps_2", "2 workers: items/s"),
    ("scale_rps_4", "4 workers: items/s"),
    ("scale_rps_8", "8 workers: items/s"),
    ("scale_x2", "2 workers ÷ 1 worker"),
    ("scale_x4", "4 workers ÷ 1 worker"),
    ("scale_x8of4", "8 workers ÷ 4 workers"),
    ("scale_srv_us_1", "PostgreSQL server CPU per item, 1 worker (µs)"),
    ("scale_srv_us_2", "PostgreSQL server CPU per item, 2 workers (µs)"),
    ("scale_srv_us_4", "PostgreSQL server CPU per item, 4 workers (µs)"),
    ("scale_srv_us_8", "PostgreSQL server CPU per item, 8 workers (µs)"),
    ("busy", "SQLITE_BUSY/locked messages, all runs"),
    ("init_big_s", "`init` of {big_items} items (s)"),
    ("status_big_ms", "`status` on those items (ms)"),
]
# row: (target text, op, number per store); ops compare psup's median.
STORE_TARGETS = {
    "scale_x4": ("≥ 2×", ">=", {"sqlite": 2, "pg": 2}),
    "scale_x8of4": ("≥ 1×", ">=", {"sqlite": 1, "pg": 1}),
    "busy": ("0", "<=", {"sqlite": 0}),
    "init_big_s": ("≤ 3 s / ≤ 6 s for 1,000,000", "<=", {"sqlite": 3, "pg": 6}),
    "status_big_ms": ("≤ 50 ms", "<=", {"sqlite": 50, "pg": 50}),
}
# The same on an API that takes a fixed time to answer (worker/latency.sh):
# a table of its own, with the ideal (workers x concurrency / delay) beside
# the stores. Metrics are named ROW_STORE too; lat_ideal_rps_K have no store.
LAT_ROWS = [
    ("lat_rps_1", "1 worker: items/s", 1),
    ("lat_rps_2", "2 workers: items/s", 2),
    ("lat_rps_4", "4 workers: items/s", 4),
    ("lat_rps_8", "8 workers: items/s", 8),
    ("lat_x2", "2 workers ÷ 1 worker", "2×"),
    ("lat_x4", "4 workers ÷ 1 worker", "4×"),
    ("lat_x8of4", "8 workers ÷ 4 workers", "2×"),
    ("lat_cpu_us_1", "workers' CPU per item, 1 worker (µs)", None),
    ("lat_cpu_us_8", "workers' CPU per item, 8 workers (µs)", None),
    ("lat_api_cpu_pct_8", "psup-testapi's CPU with 8 workers (% of one CPU)", None),
    ("lat_busy", "SQLITE_BUSY/locked messages", None),
    ("lat_job_s", "4 workers on a fresh job, start to the last exit (s)", "job"),
]
LAT_TARGETS = {
    "lat_x4": ("≥ 2×", ">=", {"sqlite": 2, "pg": 2}),
    "lat_x8of4": ("≥ 1×", ">=", {"sqlite": 1, "pg": 1}),
    "lat_busy": ("0", "<=", {"sqlite": 0}),
}
# psup's targets in the other tables: metric -> (text, op, number, against):
# against None compares psup's median, else psup's median ÷ that column's.
TARGETS = {
    "fleet_start_ms": ("≤ 1000", "<=", 1000, None),
    "fleet_start_cold_ms": ("≤ 1500", "<=", 1500, None),
    "fleet_status_ms": ("≤ 20", "<=", 20, None),
    "fleet_pss_mib": ("≤ 60", "<=", 60, None),
    "fleet_restart_ms": ("≤ 3000", "<=", 3000, None),
    "fleet_status_during_stop_ms": ("≤ 50", "<=", 50, None),
    "fleet_stop_ms": ("≤ 2000", "<=", 2000, None),
    "fleet_delete_ms": ("≤ 2000", "<=", 2000, None),
    "fleet_kill_ms": ("≤ 2000", "<=", 2000, None),
    "start_ms_warm": ("≤ 100", "<=", 100, None),
    "start_ms_cold": ("≤ 150", "<=", 150, None),
    "status_ms": ("≤ runit's", "<=", 1, "runit"),
    "rps_ok": ("≥ 0.5× wrk", ">=", 0.5, "wrk"),
}
for mode, label in (("out", "stdout only"), ("mixed", "stdout+stderr mixed"), ("time", "with per-line timestamps")):
    METRICS["mbps_" + mode] = ("throughput, %s (MB/s)" % label, "higher")
    METRICS["peak_mib_" + mode] = ("supervisor peak RSS, %s (MiB)" % label, "lower")
    for k in ("lost", "dup", "torn", "misrouted"):
        METRICS["%s_%s" % (k, mode)] = ("%s lines, %s" % (k, label), "")
    METRICS["gone_" + mode] = ("lines missing entirely (lost − torn), %s" % label, "")

def fmt(x):
    if abs(x) >= 100 or x == int(x):
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.2f" % x

def ratio(a, b):
    r = a / b
    if r == 0:
        return "0×"
    if r >= 10:
        return "%.0f×" % r
    if r >= 0.1:
        return "%.2f×" % r
    return "%.2g×" % r

def met(value, op, bound):
    ok = value <= bound if op == "<=" else value >= bound
    return "met" if ok else "**missed**"

def cell_of(v):
    cell = fmt(median(v))
    if len(v) > 1 and min(v) != max(v):
        cell += " (%s–%s)" % (fmt(min(v)), fmt(max(v)))
    return cell

def target_cell(metric, med, sizes):
    text, op, bound, against = TARGETS[metric]
    if metric.startswith("fleet_") and sizes["fleet_apps"] != "1,000":
        return text + " (for 1,000 apps: no verdict)"
    if "psup" not in med:
        return text
    if ("fleet", metric, "psup") in CUT:
        return "%s: **missed** (cut at its bound)" % text
    value = med["psup"]
    if against is not None:
        if not med.get(against):
            return text + " (no %s figure)" % against
        value = med["psup"] / med[against]
    return "%s: %s" % (text, met(value, op, bound))

# (scenario, metric, supervisor) of steps cut at their bound: the value is
# a lower bound (the fleet's FLEET_STEP_S).
CUT = set()

def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2

def main():
    raw, svs = sys.argv[1], sys.argv[2].split()
    data = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    notes = defaultdict(list)
    order = []
    for line in open(raw):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 5:
            continue
        scn, sv, rep, metric, value = parts
        if scn not in order:
            order.append(scn)
        if metric == "note":
            notes[scn].append((sv, rep, value))
            continue
        if metric.endswith("_cut"):
            metric = metric[:-4]
            CUT.add((scn, metric, sv))
        try:
            data[scn][metric][sv].append(float(value))
        except ValueError:
            notes[scn].append((sv, rep, "%s: %s" % (metric, value)))
    # Sizes the scenarios report about themselves, for titles and labels.
    sizes = {"fleet_apps": "1,000", "big_items": "1,000,000"}
    for scn in data:
        for key in list(sizes):
            v = data[scn].pop(key, {})
            if v:
                sizes[key] = "{:,}".format(int(max(sum(v.values(), []))))
    stores = {m: data["worker"].pop(m) for m in list(data.get("worker", {}))
              if any(m.startswith(r + "_") for r, _ in STORE_ROWS)}
    lat = {m: data["worker"].pop(m) for m in list(data.get("worker", {})) if m.startswith("lat_")}
    summary(data, svs)
    for scn in order:
        print("### " + TITLES.get(scn, scn).format(**sizes))
        print()
        scenario_table(scn, data, svs, sizes)
        if scn == "worker" and stores:
            store_table(stores, sizes, bool(lat))
        if scn == "worker" and lat:
            lat_table(lat)
        if notes[scn]:
            for sv, rep, text in notes[scn]:
                print("- %s (rep %s): %s" % (sv, rep, text))
            print()
    if "file" in sum((list(data[s][m].keys()) for s in data for m in data[s]), []):
        print("`file` is the physical limit: the same writer redirected straight to files, no supervisor.")
        print()

def scenario_table(scn, data, svs, sizes):
    """The table of one scenario: a column per supervisor or client, psup's
    ratios against each, and its target where it has one."""
    metrics = [m for m in data[scn] if data[scn][m]]
    if not metrics:
        return
    if scn == "fleet":   # in the order of the steps, whoever ran first
        order_of = list(METRICS)
        metrics.sort(key=lambda m: order_of.index(m) if m in order_of else len(order_of))
    cols = [s for s in (svs + ["file", "wrk", "libcurl-multi", "xargs-curl", "curl-parallel"]) if any(s in data[scn][m] for m in metrics)]
    others = [s for s in cols if s != "psup"]
    has_psup = "psup" in cols
    has_target = has_psup and any(m in TARGETS for m in metrics)
    head = ["", "better"] + cols + (["psup ÷ " + s for s in others] if has_psup else [])
    head += ["psup's target"] if has_target else []
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for metric in metrics:
        label, better = METRICS.get(metric, (metric, ""))
        row = [label, better or "–"]
        med = {}
        for s in cols:
            v = data[scn][metric].get(s)
            if not v:
                row.append("n/a")
                continue
            med[s] = median(v)
            row.append(("> " if (scn, metric, s) in CUT else "") + cell_of(v))
        if has_psup:
            for s in others:
                if better and "psup" in med and s in med and med[s] != 0:
                    # a cut figure is a lower bound: so is or is not the ratio
                    pc, oc = (scn, metric, "psup") in CUT, (scn, metric, s) in CUT
                    sign = "" if pc == oc == False else "> " if pc and not oc else "< " if oc and not pc else None
                    row.append("–" if sign is None else sign + ratio(med["psup"], med[s]))
                else:
                    row.append("–")
        if has_target:
            row.append(target_cell(metric, med, sizes) if metric in TARGETS else "")
        print("| " + " | ".join(row) + " |")
    print()

def store_table(stores, sizes, lat_follows):
    """1/2/4/8 workers and the big job on each store; ratios are the
    medians of ratios taken within each repetition."""
    print("#### Job stores: 1, 2, 4 and 8 psup-workers on one job; `init` and `status` of a big job")
    print()
    have = [(k, n) for k, n in STORES if any(("%s_%s" % (r, k)) in stores for r, _ in STORE_ROWS)]
    print("| | " + " | ".join(n for _, n in have) + " | target |")
    print("|---|" + "---|" * len(have) + "---|")
    for row, label in STORE_ROWS:
        cells, tcell = store_cells(stores, row, have, STORE_TARGETS.get(row),
                                   row != "init_big_s" or sizes["big_items"] == "1,000,000")
        if cells:
            print("| %s | %s | %s |" % (label.format(**sizes), " | ".join(cells), tcell))
    print()
    if sizes["big_items"] != "1,000,000":
        print("The `init` target is for 1,000,000 items; this run used %s: no verdict." % sizes["big_items"])
        print()
    if lat_follows and any(("scale_rps_1_%s" % k) in stores for k, _ in STORES):
        print("The endpoint here (nginx's `/ok`) answers at once: on a machine of a few CPUs one worker and "
              "nginx already keep them busy, so these rows measure CPU. The next table has the API as the wait.")
        print()

def store_cells(stores, row, have, target, sized=True, extra=None):
    """The cells of ROW for each store in HAVE (None when all are n/a)
    and the target's cell with a verdict per store. extra(v) adds to a
    cell."""
    cells, verdicts = [], []
    for k, n in have:
        v = stores.get("%s_%s" % (row, k), {}).get("psup")
        if not v:
            cells.append("n/a")
            continue
        if "_x" in row:
            cells.append(fmt(median(v)) + "×" + (" (%s–%s)" % (fmt(min(v)), fmt(max(v))) if len(v) > 1 and min(v) != max(v) else ""))
        else:
            cells.append(cell_of(v) + (extra(v) if extra else ""))
        if target and k in target[2] and sized:
            verdicts.append("%s %s" % (n, met(median(v), target[1], target[2][k])))
    if all(c == "n/a" for c in cells):
        return None, ""
    tcell = ""
    if target:
        tcell = target[0] + (": " + ", ".join(verdicts) if verdicts else "")
    return cells, tcell

def lat_table(lat):
    """1/2/4/8 workers on an API that takes a fixed time: each rate beside
    the ideal and as its share; ratios as in store_table."""
    one = lambda m: median(lat[m]["psup"]) if lat.get(m, {}).get("psup") else None
    delay, conc = one("lat_delay_ms"), one("lat_conc")
    print("#### Job stores, the API as the wait: 1, 2, 4 and 8 psup-workers on one job, every answer taking %s ms"
          % (fmt(delay) if delay else "?"))
    print()
    have = [(k, n) for k, n in STORES if any(("%s_%s" % (r, k)) in lat for r, _, _ in LAT_ROWS)]
    print("| | ideal | " + " | ".join(n for _, n in have) + " | target |")
    print("|---|---|" + "---|" * len(have) + "---|")
    for row, label, ideal in LAT_ROWS:
        icell, extra = "–", None
        if isinstance(ideal, int):
            i = one("lat_ideal_rps_%d" % ideal)
            if i:
                icell = fmt(i)
                extra = lambda v, i=i: " · %.0f %%" % (100 * median(v) / i)
        elif ideal == "job":
            i = one("lat_job_ideal_s")
            if i:
                icell = fmt(i)
                extra = lambda v, i=i: " · %.2f×" % (median(v) / i)
        elif ideal:
            icell = ideal
        cells, tcell = store_cells(lat, row, have, LAT_TARGETS.get(row), extra=extra)
        if cells:
            print("| %s | %s | %s | %s |" % (label, icell, " | ".join(cells), tcell))
    print()
    if delay and conc:
        print("psup-testapi holds every answer %s ms (`--delay-ms`, no thread held); each worker has concurrency %s, "
              "so K workers can do at most K × %s ÷ %s s items/s (ideal; · the share of it). "
              "One job, its workers added in steps (1, 2, 4, 8); each rate is the items committed "
              "over a short window once the step's new workers have settled (bench/README.md). "
              "The last row is a whole fresh job of the ideal's seconds of 4 workers' pace, "
              "their slow start and the end of the job included (· times the ideal)."
              % (fmt(delay), fmt(conc), fmt(conc), fmt(delay / 1000)))
        print()

SUMMARY = [
    ("idle", "pss_mib_5", "supervisor-owned PSS, 5 apps (MiB)"),
    ("idle", "pss_mib_100", "supervisor-owned PSS, 100 apps (MiB)"),
    ("idle", "cpu_ms_100", "idle CPU over the window, 100 apps (ms)"),
    ("idle", "wakeups_100", "wake-ups over the idle window, 100 apps"),
    ("start", "start_ms_warm", "100 apps exec'd after `start`, daemon up (ms)"),
    ("start", "start_ms_cold", "100 apps exec'd after `start`, cold (ms)"),
    ("restart", "gap_ms", "restart gap, delay 0 (ms)"),
    ("logs", "mbps_out", "log capture, stdout (MB/s)"),
    ("logs", "mbps_mixed", "log capture, stdout+stderr (MB/s)"),
    ("logs", "mbps_time", "log capture with per-line timestamps (MB/s)"),
    ("logs", "peak_mib_out", "supervisor peak RSS while capturing (MiB)"),
    ("logs", "torn_time", "torn lines with timestamps (worst run)"),
    ("logs", "gone_out", "lines missing, app exits right after writing, stdout (worst run)"),
    ("logs", "gone_mixed", "lines missing, app exits right after writing, mixed (worst run)"),
    ("control", "status_ms", "`jlist` / `status` with 100 apps (ms)"),
    ("stop", "stop_ms", "stop an app ignoring SIGTERM, kill timeout 3 s (ms)"),
    ("stop", "setsid_child_survives", "setsid() grandchild survives the stop (runs)"),
    ("survival", "restarted_after_kill", "daemon killed -9: apps still supervised (of 10)"),
    ("survival", "listed_after", "daemon killed -9: apps listed afterwards (of 10)"),
]
WORST = {"torn_time", "gone_out", "gone_mixed"}
SUM = {"setsid_child_survives"}

def summary(data, svs):
    cols = [s for s in svs if any(s in data.get(scn, {}).get(m, {}) for scn, m, _ in SUMMARY)]
    if not cols:
        return
    print("### Summary (medians; psup ÷ X < 1 is better where lower is better)")
    print()
    others = [s for s in cols if s != "psup"]
    head = [""] + cols + (["psup ÷ " + s for s in others] if "psup" in cols else [])
    has_target = "psup" in cols
    head += ["psup's target"] if has_target else []
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for scn, metric, label in SUMMARY:
        if not data.get(scn, {}).get(metric):
            continue
        row, med = [label], {}
        for s in cols:
            v = data[scn][metric].get(s)
            if not v:
                row.append("n/a")
                continue
            if metric in WORST:
                med[s] = max(v)
            elif metric in SUM:
                med[s] = sum(v)
            else:
                med[s] = median(v)
            row.append(fmt(med[s]) + (" of %d" % len(v) if metric in SUM else ""))
        if "psup" in cols:
            better = METRICS.get(metric, ("", ""))[1]
            for s in others:
                ok = better and "psup" in med and med.get(s)
                row.append(ratio(med["psup"], med[s]) if ok else "–")
        if has_target:
            row.append(target_cell(metric, med, {}) if metric in TARGETS else "")
        print("| " + " | ".join(row) + " |")
    print()

main()
