"""bench_load's /proc figures cover the server's answer processes (ASSISTANT_WORKERS)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from evals.bench_load import cpu_seconds, peak_rss_mb, process_tree


def test_process_tree_and_cpu_include_children() -> None:
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\n"
    child = subprocess.Popen([sys.executable, "-c", burn + "time.sleep(30)"])
    try:
        time.sleep(0.1)
        assert child.pid in process_tree(os.getpid())
        own = cpu_seconds(child.pid)
        deadline = time.monotonic() + 20
        while (own or 0) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.1)
            own = cpu_seconds(child.pid)
        assert own is not None and own >= 0.3
        total = cpu_seconds(os.getpid())
        assert total is not None and total >= own
        assert (peak_rss_mb(os.getpid()) or 0) > (peak_rss_mb(child.pid) or 0) > 0
    finally:
        child.kill()
        child.wait()
    assert cpu_seconds(None) is None and peak_rss_mb(None) is None
