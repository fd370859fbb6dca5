"""The terminal side of `genk3600 import`: reading the file, the progress bar, bad lines on stderr."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlalchemy.engine import URL

from genk3600.auth.principal import system_principal
from genk3600.config import Settings
from genk3600.db import Database
from genk3600.imports.service import ACTOR_NAME, CONNECTIONS, Importer, ImportRefused, ImportReport
from genk3600.kit.heap import freeze_startup_heap

IMPORT_SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005
IMPORT_GC_THRESHOLD = 50_000  # allocations between young collections; Python's default is 700
PROGRESS_EVERY = 256  # lines


@dataclass(frozen=True)
class ImportSummary:
    report: ImportReport
    seconds: float

    @property
    def bad_lines(self) -> int:
        return self.report.bad_lines

    def summary(self) -> str:
        rate = self.report.imported / self.seconds if self.seconds > 0 else 0.0
        return (
            f"Imported {self.report.imported} contacts (as many tickets, {self.report.citizens_registered} new "
            f"citizens) in {self.seconds:.1f} s ({rate:,.0f} contacts/s); {self.report.already_imported} already "
            f"imported before, {self.report.bad_lines} bad lines skipped."
        )


def _numbered(stream: BinaryIO, progress: Progress, task: TaskID) -> Iterator[tuple[int, bytes]]:
    # The bar advances every PROGRESS_EVERY lines: an advance per line cost more than reading the line.
    unreported = 0
    try:
        for number, raw in enumerate(stream, start=1):
            unreported += len(raw)
            if number % PROGRESS_EVERY == 0:
                progress.advance(task, unreported)
                unreported = 0
            yield number, raw
    finally:
        progress.advance(task, unreported)


def run_import(url: URL, settings: Settings, file: str, batch_size: int) -> ImportSummary:
    """Import `file` ('-' = standard input) with a progress bar on standard error."""
    from genk3600.audit.trail import actor_var

    console = Console(stderr=True)
    source = "stdin" if file == "-" else Path(file).name
    total = None if file == "-" else Path(file).stat().st_size
    columns = (
        TextColumn("Importing {task.description}"),
        BarColumn(),
        TextColumn("{task.fields[contacts]:,} contacts"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )

    def bad_line(number: int, message: str) -> None:
        console.print(f"line {number}: {message}; skipped", markup=False, highlight=False)

    async def work(stream: BinaryIO, progress: Progress, task: TaskID) -> ImportReport:
        actor_var.set(system_principal(ACTOR_NAME))
        database = Database.connect(url, pool_size=CONNECTIONS)
        importer = Importer(
            database,
            settings,
            source,
            bad_line,
            batch_size,
            on_batch=lambda report: progress.update(task, contacts=report.imported),
        )
        try:
            return await importer.run(_numbered(stream, progress, task))
        except ImportRefused as exc:
            raise ValueError(str(exc)) from exc
        finally:
            await database.dispose()

    started = time.perf_counter()
    # The thread that validates the next batch holds the GIL while the event loop's thread waits to read each
    # answer of the database (a dozen a batch): by default it gets the GIL back only after 5 ms. This process
    # does nothing else, so it hands the GIL over sooner (7-10 % faster on 60,000 contacts, bench/README.md).
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)
    # Every batch allocates a few hundred thousand objects that live until it is committed (lines, rows, their
    # values): with the default threshold the collector ran every 700 of them and walked what was alive, 30 % of
    # the import's CPU (bench/README.md). None of them is in a cycle, so young collections can wait far longer;
    # start-up's heap is frozen, so the full ones do not walk it again (kit/heap.py).
    freeze_startup_heap()
    thresholds = gc.get_threshold()
    gc.set_threshold(IMPORT_GC_THRESHOLD, *thresholds[1:])
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(source, total=total, contacts=0)
            if file == "-":
                report = asyncio.run(work(sys.stdin.buffer, progress, task))
            else:
                with Path(file).open("rb") as stream:
                    report = asyncio.run(work(stream, progress, task))
    finally:
        sys.setswitchinterval(switch_interval)
        gc.set_threshold(*thresholds)
    return ImportSummary(report, time.perf_counter() - started)
