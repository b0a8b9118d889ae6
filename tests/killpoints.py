"""Run ``sitegen`` and ``kill -9`` it at a chosen point of the build (fault-injection tests).

``python -m tests.killpoints POINT sitegen-arguments...``, POINT one of:
``render`` (after a few pages were rendered), ``write`` (after a few rendered
files were renamed over their outputs), ``swap`` (a full build, between moving
the old site aside and moving the new one in) and ``index`` (while the search
indexes are being written: they start once pages are planned).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import sitegen.output
import sitegen.search
import sitegen.workers
from sitegen.__main__ import main


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _after(calls: int, function: Any) -> Any:
    count = [0]

    def hooked(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        if count[0] > calls:
            _die()
        return function(*args, **kwargs)

    return hooked


def _swap_half(staging: Any, output: Any) -> None:
    os.replace(output, output.with_name(output.name + ".sitegen-old"))
    _die()


def _index_then_die(*args: Any, **kwargs: Any) -> Any:
    threading.Timer(0.2, _die).start()
    return INDEX(*args, **kwargs)


INDEX = sitegen.search.start_indexing

if __name__ == "__main__":
    point = sys.argv.pop(1)
    if point == "render":
        sitegen.workers._render_one = _after(3, sitegen.workers._render_one)
    elif point == "write":
        sitegen.output._move_into_place = _after(2, sitegen.output._move_into_place)
    elif point == "swap":
        sitegen.output._swap = _swap_half
    elif point == "index":
        sitegen.search.start_indexing = _index_then_die
    sys.argv[0] = "sitegen"
    main()
