"""What the numbers were measured on: CPU, memory, load, Python and package versions.

Read from /proc and package metadata, without importing torch or faiss.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from bench.common import md_table
from eval.harness import SCORE_PACKAGES, package_versions

# The llama-index comparison (section 3) also depends on these.
BENCH_PACKAGES = ("llama-index-embeddings-huggingface", "llama-index-retrievers-bm25")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return float(line.split()[1]) / (1024.0 * 1024.0)
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_rows() -> list[tuple[str, str]]:
    """The machine, then every package that can move a score or a bench number."""
    rows = [
        ("nproc", f"{len(os.sched_getaffinity(0))} (os.cpu_count {os.cpu_count()})"),
        ("CPU", _cpu_model()),
        ("RAM", f"{_mem_total_gb():.1f} GiB"),
        ("load average at start (1, 5, 15 min)", load_average()),
        ("OS", platform.platform()),
        ("python", platform.python_version()),
    ]
    versions = package_versions((*SCORE_PACKAGES, *BENCH_PACKAGES))
    rows += [(name, version or "not installed") for name, version in versions.items()]
    return rows


def machine_table() -> str:
    return md_table(["machine / software", "value"], machine_rows())
