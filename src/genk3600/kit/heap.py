"""The process's start-up heap, kept out of the cyclic garbage collector's full collections.

A started service holds a few hundred thousand long-lived objects (modules, the ORM's mappers, pydantic's
schemas, compiled statements, the OpenAPI document). Python's full (generation 2) collection walks all of them
whenever enough new objects have survived: 150 to 250 ms of CPU on this app, paid by whichever request or job
allocates at that moment (an SLA sweep batch of a few hundred tickets reliably triggers one). Frozen once
start-up is done, they are never walked again; what is allocated afterwards is collected as before.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_heap() -> None:
    """Collect what start-up left behind, then move every surviving object to the permanent generation.

    Once per process (a later call, e.g. a second app in the tests, does nothing): objects frozen are never
    collected as part of a cycle, so freezing again and again would keep every later cycle alive.
    """
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
