"""A one-line "still running" indicator for `crm-analysis run` on a terminal (a long bootstrap
otherwise shows nothing for minutes). Not shown when stderr is not a terminal (logs, CI)."""
from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, TextIO


@contextmanager
def ticking(label: str, stream: TextIO | None = None, every: float = 1.0) -> Iterator[None]:
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        yield
        return
    stop = threading.Event()
    start = time.monotonic()

    def tick() -> None:
        while not stop.wait(every):
            stream.write(f"\r{label} … {int(time.monotonic() - start)} s")
            stream.flush()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        stream.write("\r" + " " * (len(label) + 16) + "\r")
        stream.flush()


def label_for(notebook: str, parameters: dict[str, Any]) -> str:
    b = parameters.get("bootstrap")
    return f"running {notebook}" + (f" ({b:,} bootstrap resamples)" if isinstance(b, int) and b else "")
