"""What the benches measure the same way: a command's wall time and its own peak memory."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_measured(args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
                 ) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run ``args``: (the finished process, seconds, the process's own peak RSS in KiB, VmHWM —
    not its children's, so a census driver is measured apart from Ray's workers)."""
    started = time.monotonic()
    proc = subprocess.Popen(list(args), cwd=cwd, env=dict(env) if env is not None else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def watch() -> None:
        while proc.poll() is None:
            try:
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, stderr = proc.communicate()
    watcher.join()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), time.monotonic() - started, peak[0]
