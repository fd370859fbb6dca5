"""The results: a JSON file, a PNG of the latency distributions, and the summary table with the issue's targets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The issue's CPU budgets (#16): server CPU per request, from /proc of the service's processes (bench/cpu.py).
CPU_TARGETS_MS = {"intake": 4.0, "by_reference": 1.5, "queue_page": 2.0}
# The issue's other targets (#16): intake at 16 connections, latency at 1M tickets, the sweeper, the import.
INTAKE_P99_MS = 50.0
RATIO_AT_16 = 0.5
SCALE_P99_MS = {"queue_page": 10.0, "claim_next": 10.0, "by_reference": 5.0, "search_nl": 50.0, "search_fr": 50.0}
SWEEP_SECONDS = 0.5
IMPORT_PER_SECOND = 10_000
# Every target the table must show, measured or not: (figure, target) in the order printed.
ALL_TARGETS = (
    ("intake c=16 server CPU ms/req", "<= 4"),
    ("scale by_reference server CPU ms/req", "<= 1.5"),
    ("scale queue_page server CPU ms/req", "<= 2"),
    ("intake c=16 p50/p95/p99 ms", "p99 <= 50"),
    ("ratio c=16 (req/s ÷ TPS)", "≥ 0.5"),
    ("scale queue_page p50/p99 ms", "p99 <= 10"),
    ("scale claim_next p50/p99 ms", "p99 <= 10"),
    ("scale search_nl p50/p99 ms", "p99 <= 50"),
    ("scale search_fr p50/p99 ms", "p99 <= 50"),
    ("scale sweeper pass", "<= 0.5 s"),
    ("import contacts/s", "≥ 10000"),
)


# One line of the table: figure, value, target, met ("met", "NOT met", "-" or "" where there is no target).
Row = tuple[str, str, str, str]
NOT_MEASURED = "not measured"


def _cpu_row(label: str, figures: dict[str, Any], limit: float | None) -> Row | None:
    if "server_cpu_ms_per_request" not in figures:
        return None
    spent = figures["server_cpu_ms_per_request"]
    measured = f"{spent:.2f} ({figures['involuntary_switches_per_request']:.2f} invol. cs/req)"
    return (
        f"{label} server CPU ms/req",
        measured,
        f"<= {limit:g}" if limit is not None else "",
        _met(spent <= limit) if limit is not None else "",
    )


def _machine_rows(label: str, figures: dict[str, Any], load_generator: str, unit: str) -> list[Row]:
    """The whole machine's CPU per request (this service or none, PostgreSQL, the load generator) and what the
    cores allow with it: by Little's law, c connections wait at least c * CPU / cores on average."""
    if "database_cpu_ms_per_request" not in figures:
        return []
    parts = [figures.get("server_cpu_ms_per_request"), figures["database_cpu_ms_per_request"]]
    parts = [part for part in parts if part is not None] + [figures["client_cpu_ms_per_request"]]
    total, cores = sum(parts), figures["cores"]
    names = ("service + " if len(parts) == 3 else "") + "database + " + load_generator
    spelled = " + ".join(f"{part:.2f}" for part in parts) + f" = {total:.2f}"
    rows: list[Row] = [(f"{label} CPU ms/{unit}: {names}", spelled, "", "")]
    if total > 0:
        allowed = f"{cores * 1000 / total:.0f} {unit}/s on {cores} cores"
        if unit == "req":
            allowed += f", mean latency ≥ {figures['connections'] * total / cores:.0f} ms"
        rows.append((f"{label} the cores allow", allowed, "", ""))
    return rows


def _load_row(label: str, figures: dict[str, Any]) -> list[Row]:
    load = figures.get("load_average_1m")
    if not load:
        return []
    return [(f"load avg 1 min, {label}", f"{load['start']:g} → {load['end']:g}", "", "")]


def rows(scenarios: dict[str, Any]) -> list[Row]:
    """The figures of one tree's scenarios, each under a name that does not depend on the values (a compare run
    matches the two trees' rows by it)."""
    out: list[Row] = []
    intake = scenarios.get("intake", {})
    ceiling = scenarios.get("ceiling", {})
    ratio = ceiling.get("ratio", {})
    # Intake and ceiling run together: one load figure for both.
    if intake or ceiling:
        together = " + ".join(name for name in ("intake", "ceiling") if name in scenarios)
        out += _load_row(together, intake or ceiling)
    for run in intake.get("runs", []):
        c = run["connections"]
        out.append((f"intake c={c} req/s", f"{run['requests_per_second']:.0f}", "", ""))
        out.append(
            (f"intake c={c} p50/p95/p99 ms", f"{run['p50_ms']:.1f} / {run['p95_ms']:.1f} / {run['p99_ms']:.1f}",
             f"p99 <= {INTAKE_P99_MS:g}" if c == 16 else "", _met(run["p99_ms"] <= INTAKE_P99_MS) if c == 16 else "")
        )  # fmt: skip
        failed = ", ".join(f"{code}: {n}" for code, n in sorted(run.get("statuses", {}).items()) if code[0] != "2")
        errors = f"{run['errors']} ({failed})" if failed else str(run["errors"])
        out.append((f"intake c={c} errors", errors, "0", _met(run["errors"] == 0)))
        if (row := _cpu_row(f"intake c={c}", run, CPU_TARGETS_MS["intake"])) is not None:
            out.append(row)
        out += _machine_rows(f"intake c={c}", run, "wrk", "req")
    for run in ceiling.get("runs", []):
        c = run["clients"]
        out.append((f"ceiling c={c} pgbench TPS", f"{run['tps']:.0f}", "", ""))
        out += _machine_rows(f"ceiling c={c}", run, "pgbench", "tx")
        if str(c) in ratio:
            target = f"≥ {RATIO_AT_16:g}" if c == 16 else ""
            out.append(
                (
                    f"ratio c={c} (req/s ÷ TPS)",
                    f"{ratio[str(c)]:.2f}",
                    target,
                    _met(ratio[str(c)] >= RATIO_AT_16) if target else "",
                )
            )
    for name, figures in scenarios.items():
        if isinstance(figures, dict) and "error" in figures:
            out.append((f"{name} scenario", _failure(figures["error"]), "", "see JSON"))
    scale = scenarios.get("scale")
    if scale and "error" not in scale:
        out += _load_row("scale", scale)
        for name, figures in scale.get("requests", {}).items():
            limit = SCALE_P99_MS.get(name)
            out.append(
                (f"scale {name} p50/p99 ms", f"{figures['p50_ms']:.1f} / {figures['p99_ms']:.1f}",
                 f"p99 <= {limit:g}" if limit else "", _met(figures["p99_ms"] <= limit) if limit else "")
            )  # fmt: skip
            if (row := _cpu_row(f"scale {name}", figures, CPU_TARGETS_MS.get(name))) is not None:
                out.append(row)
        sweep = scale.get("sweeper")
        if sweep and "error" in sweep:
            out.append(("scale sweeper pass", _failure(sweep["error"]), f"<= {SWEEP_SECONDS:g} s", "see JSON"))
        elif sweep:
            out.append(
                ("scale sweeper pass", f"{sweep['seconds']:.3f} s ({sweep['due']} due of {scale['tickets']})",
                 f"<= {SWEEP_SECONDS:g} s", _met(sweep["seconds"] <= SWEEP_SECONDS))
            )  # fmt: skip
    imported = scenarios.get("import")
    if imported and "error" not in imported:
        out += _load_row("import", imported)
        if imported.get("available"):
            rate = imported["contacts_per_second"]
            out.append(
                ("import contacts/s", f"{rate:.0f} ({imported['contacts']} contacts)", f"≥ {IMPORT_PER_SECOND}",
                 _met(rate >= IMPORT_PER_SECOND))
            )  # fmt: skip
        else:
            out.append(("import contacts/s", "not available", f"≥ {IMPORT_PER_SECOND}", "-"))
    return out


def _with_unmeasured_targets(figures: list[str], targets: dict[str, str]) -> list[str]:
    # A target this run did not measure (a scenario left out or failed) is still named, as not measured.
    for figure, target in ALL_TARGETS:
        if figure not in targets:
            figures.append(figure)
            targets[figure] = target
    return figures


def _render(header: str, columns: tuple[str, ...], lines: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(line[i]) for line in [columns, *lines]) for i in range(len(columns))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [columns, *lines]
    ]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([header, "", *text])


def table(results: dict[str, Any]) -> str:
    """The summary: figure | measured | target | met; with a "before" tree, figure | before | after | target | met
    (met is the working tree's, "after")."""
    after = {row[0]: row for row in rows(results["scenarios"])}
    figures = list(after)
    targets = {figure: row[2] for figure, row in after.items()}
    before: dict[str, Row] | None = None
    if "before" in results:
        before = {row[0]: row for row in rows(results.get("scenarios_before", {}))}
        for figure, row in before.items():
            if figure not in after:
                figures.append(figure)
                targets[figure] = row[2]
    figures = _with_unmeasured_targets(figures, targets)

    def value(side: dict[str, Row], figure: str) -> str:
        if figure in side:
            return side[figure][1]
        # A scenario's failure row: the other tree ran the same scenario without one.
        return "ran" if figure.endswith(" scenario") else NOT_MEASURED

    def met(figure: str) -> str:
        return after[figure][3] if figure in after else "-" if targets[figure] else ""

    header = _header(results)
    if before is None:
        lines = [(figure, value(after, figure), targets[figure], met(figure)) for figure in figures]
        return _render(header, ("figure", "measured", "target", "met"), lines)
    compared = [
        (figure, value(before, figure), value(after, figure), targets[figure], met(figure)) for figure in figures
    ]
    return _render(header, ("figure", "before", "after", "target", "met (after)"), compared)


def _header(results: dict[str, Any]) -> str:
    machine = results["machine"]
    load = results.get("load_average")
    shared = ""
    if load:
        shared = f", load average {load['start'][0]:g} at the start, {load.get('end', ['?'])[0]} at the end"
    trees = f"at {results['git_commit'][:12]}"
    if "before" in results:
        before = results["before"]
        trees = f"before {before['ref']} ({before['commit'][:12]}), after {results['git_commit'][:12]}"
    return (f"Genk3600 benchmark {results['date']} {trees}: {machine['nproc']} CPU ({machine['cpu']}), "
            f"{machine['ram_gib']} GiB RAM{shared}")  # fmt: skip


def _failure(error: str) -> str:
    first = error.strip().splitlines()[0] if error.strip() else "?"
    return f"FAILED: {first[:90]}"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def write(results: dict[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{results['date']}.json"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    written = [json_path]
    png = plot(results, directory / f"{results['date']}.png")
    if png is not None:
        written.append(png)
    return written


def plot(results: dict[str, Any], path: Path) -> Path | None:
    """Latency distribution (percentile curves) per scenario; needs the `bench` extra (matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    series = _latency_series(results["scenarios"])
    if not series:
        return None
    # With a before tree, its curve is dashed in the colour of the working tree's.
    before = _latency_series(results.get("scenarios_before", {})) if "before" in results else {}
    figure, axis = plt.subplots(figsize=(10, 6))
    for label, percentiles in series.items():
        points = sorted((float(p), ms) for p, ms in percentiles.items())
        (line,) = axis.plot([p for p, _ in points], [ms for _, ms in points], marker="o", markersize=3, label=label)
        if label in before:
            points = sorted((float(p), ms) for p, ms in before[label].items())
            axis.plot([p for p, _ in points], [ms for _, ms in points], linestyle="--", marker="o", markersize=2,
                      color=line.get_color(), alpha=0.7, label=f"{label}, before")  # fmt: skip
    axis.set_yscale("log")
    axis.set_xlabel("percentile")
    axis.set_ylabel("latency (ms, log scale)")
    title = f"Genk3600 latency distribution per scenario, {results['date']} ({results['machine']['nproc']} CPU)"
    if "before" in results:
        title += f"; dashed: before ({results['before']['commit'][:12]})"
    axis.set_title(title)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _latency_series(scenarios: dict[str, Any]) -> dict[str, dict[str, float]]:
    series: dict[str, dict[str, float]] = {}
    for run in scenarios.get("intake", {}).get("runs", []):
        series[f"intake c={run['connections']}"] = run["percentiles_ms"]
    for name, figures in scenarios.get("scale", {}).get("requests", {}).items():
        series[f"scale {name}"] = figures["percentiles_ms"]
    return series
