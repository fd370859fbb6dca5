"""The results: a JSON file, a PNG of the latency distributions, and the summary table with the issue's targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The CPU budgets (#16): server CPU per request, from /proc of the service's processes (bench/cpu.py).
CPU_TARGETS_MS = {"intake": 4.0, "by_reference": 1.5, "queue_page": 2.0}
# The other targets (#16): intake at 16 connections, latency at 1M tickets, the sweeper, the import.
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


def _cpu_row(label: str, figures: dict[str, Any], limit: float | None) -> tuple[str, str, str, str] | None:
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


def table(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str]] = []
    scenarios = results["scenarios"]
    intake = scenarios.get("intake", {})
    ceiling = scenarios.get("ceiling", {})
    ratio = ceiling.get("ratio", {})
    for run in intake.get("runs", []):
        c = run["connections"]
        rows.append((f"intake c={c} req/s", f"{run['requests_per_second']:.0f}", "", ""))
        rows.append(
            (f"intake c={c} p50/p95/p99 ms", f"{run['p50_ms']:.1f} / {run['p95_ms']:.1f} / {run['p99_ms']:.1f}",
             f"p99 <= {INTAKE_P99_MS:g}" if c == 16 else "", _met(run["p99_ms"] <= INTAKE_P99_MS) if c == 16 else "")
        )  # fmt: skip
        failed = ", ".join(f"{code}: {n}" for code, n in sorted(run.get("statuses", {}).items()) if code[0] != "2")
        errors = f"{run['errors']} ({failed})" if failed else str(run["errors"])
        rows.append((f"intake c={c} errors", errors, "0", _met(run["errors"] == 0)))
        if (row := _cpu_row(f"intake c={c}", run, CPU_TARGETS_MS["intake"])) is not None:
            rows.append(row)
    for run in ceiling.get("runs", []):
        c = run["clients"]
        rows.append((f"ceiling c={c} pgbench TPS", f"{run['tps']:.0f}", "", ""))
        if str(c) in ratio:
            target = f"≥ {RATIO_AT_16:g}" if c == 16 else ""
            rows.append(
                (
                    f"ratio c={c} (req/s ÷ TPS)",
                    f"{ratio[str(c)]:.2f}",
                    target,
                    _met(ratio[str(c)] >= RATIO_AT_16) if target else "",
                )
            )
    for name, figures in scenarios.items():
        if isinstance(figures, dict) and "error" in figures:
            rows.append((f"{name}: FAILED", figures["error"].splitlines()[0][:60], "", "see JSON"))
    scale = scenarios.get("scale")
    if scale and "error" not in scale:
        for name, figures in scale.get("requests", {}).items():
            limit = SCALE_P99_MS.get(name)
            rows.append(
                (f"scale {name} p50/p99 ms", f"{figures['p50_ms']:.1f} / {figures['p99_ms']:.1f}",
                 f"p99 <= {limit:g}" if limit else "", _met(figures["p99_ms"] <= limit) if limit else "")
            )  # fmt: skip
            if (row := _cpu_row(f"scale {name}", figures, CPU_TARGETS_MS.get(name))) is not None:
                rows.append(row)
        sweep = scale.get("sweeper")
        if sweep:
            rows.append(
                (f"scale sweeper pass ({sweep['due']} due of {scale['tickets']})", f"{sweep['seconds']:.3f} s",
                 f"<= {SWEEP_SECONDS:g} s", _met(sweep["seconds"] <= SWEEP_SECONDS))
            )  # fmt: skip
    imported = scenarios.get("import")
    if imported and "error" not in imported:
        if imported.get("available"):
            rate = imported["contacts_per_second"]
            rows.append(
                (f"import contacts/s ({imported['contacts']})", f"{rate:.0f}", f"≥ {IMPORT_PER_SECOND}",
                 _met(rate >= IMPORT_PER_SECOND))
            )  # fmt: skip
        else:
            rows.append(("import contacts/s", "not available", f"≥ {IMPORT_PER_SECOND}", "-"))
    # A target this run did not measure (a scenario left out or failed) is still named, as not measured.
    for figure, target in ALL_TARGETS:
        if not any(row[0].startswith(figure) for row in rows):
            rows.append((figure, "not measured in this run", target, "-"))
    widths = [max(len(row[i]) for row in [("figure", "measured", "target", "met"), *rows]) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [("figure", "measured", "target", "met"), *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    machine = results["machine"]
    load = results.get("load_average")
    shared = ""
    if load:
        shared = f", load average {load['start'][0]:g} at the start, {load.get('end', ['?'])[0]} at the end"
    lines.insert(0, f"Genk3600 benchmark {results['date']} at {results['git_commit'][:12]}: {machine['nproc']} CPU "
                    f"({machine['cpu']}), {machine['ram_gib']} GiB RAM{shared}\n")  # fmt: skip
    return "\n".join(lines)


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
    scenarios = results["scenarios"]
    series: list[tuple[str, dict[str, float]]] = []
    for run in scenarios.get("intake", {}).get("runs", []):
        series.append((f"intake c={run['connections']}", run["percentiles_ms"]))
    for name, figures in scenarios.get("scale", {}).get("requests", {}).items():
        series.append((f"scale {name}", figures["percentiles_ms"]))
    if not series:
        return None
    figure, axis = plt.subplots(figsize=(10, 6))
    for label, percentiles in series:
        points = sorted((float(p), ms) for p, ms in percentiles.items())
        axis.plot([p for p, _ in points], [ms for _, ms in points], marker="o", markersize=3, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("percentile")
    axis.set_ylabel("latency (ms, log scale)")
    axis.set_title(f"Genk3600 latency distribution per scenario, {results['date']} ({results['machine']['nproc']} CPU)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
