"""Keep the kernel's own stderr out of the user's terminal.

The kernel inherits the file descriptor 2 it is started with; when a run is interrupted (Ctrl-C)
it prints tracebacks about closed sockets while shutting down. During a run fd 2 points to
``kernel.log`` in the run folder (kept with a failed run); Python-level messages of this process
are unaffected (``sys.stderr`` is re-pointed at the original stream).
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def kernel_stderr_to(path: Path) -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded interpreters): nothing to redirect
        yield
        return
    log = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    original = sys.stderr
    try:
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=getattr(original, "encoding", None) or "utf-8",
                               errors="backslashreplace") if original is sys.__stderr__ else original
        os.dup2(log, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(log)
        try:
            if path.exists() and path.stat().st_size == 0:
                path.unlink()
        except OSError:
            pass
        if sys.stderr is not original:
            try:
                sys.stderr.close()
            except OSError:
                pass
            sys.stderr = original
