"""Peak resident memory of a step, from Linux's /proc: the benchmarks' shared helpers."""

from __future__ import annotations


def status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB ("VmRSS": resident now, "VmHWM": the peak)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> None:
    """Set the peak (VmHWM) back to the resident size now, so the next peak is a step's own."""
    # "5" resets the peak resident set size to the current size (Linux >= 4.0)
    with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
        handle.write("5")
