"""TensorFlow, imported once and quietly: every module of the package takes ``tf`` from here.

TensorFlow writes start-up notes (absl's notice, the oneDNN and CPU-feature lines) to the process's
standard error when it is first imported; in a Jupyter kernel they show as an error box under a
figure. :func:`quiet_tensorflow` drops exactly those lines and keeps anything else.
"""

from __future__ import annotations

import os
import re
import sys

#: TensorFlow's start-up lines on the process's standard error that say nothing to a reader (absl's
#: notice, the oneDNN and CPU-feature notes); anything else written while importing it is kept
_TF_NOISE = re.compile(r"absl::InitializeLog|oneDNN custom operations|cpu_feature_guard|"
                       r"To enable the following instructions|rebuild TensorFlow with the appropriate compiler")


#: TensorFlow's switch for a pooling (best-fit with coalescing) allocator of host memory. Without it every
#: tensor and XLA buffer is a fresh ``malloc``, and glibc maps each large one anew with ``mmap``: the kernel
#: zero-fills it page by page on first touch and unmaps it on free. A training epoch allocates its rollout's
#: activations many times over, so on a virtual machine (where a page fault is dear) most of an epoch went
#: to the kernel (a Gray-Scott grid epoch: 6.01 s, 3.81 s of it kernel CPU time, 1.46 million page faults).
#: With the pool the memory is reused and the same epoch took 2.08 s, with bit-identical losses
#: (``benchmarks/bench_allocator.py``, ``benchmarks/results/allocator_quiet.json``). Read when TensorFlow
#: makes its first host allocator, so it is set before TensorFlow is imported; an explicit
#: ``TF_CPU_ALLOCATOR_USE_BFC=false`` is respected.
BFC_ENV = "TF_CPU_ALLOCATOR_USE_BFC"


def quiet_tensorflow() -> None:
    """Import TensorFlow without its start-up log lines (in a Jupyter kernel they show as an error box).

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` (unless set: info and warnings of TensorFlow's C++ logging off) and
    ``TF_CPU_ALLOCATOR_USE_BFC=true`` (unless set: the pooling host allocator, see :data:`BFC_ENV`), and
    imports TensorFlow with the process's standard error (file descriptor 2, where the C++ code writes)
    caught; the lines matching the known start-up notes are dropped, any other line is written back.
    Python's own warnings and errors are not touched (they go to ``sys.stderr``). Nothing happens when
    TensorFlow is already imported.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault(BFC_ENV, "true")
    if "tensorflow" in sys.modules:
        return
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no file descriptor 2 to catch: import as it is
        import tensorflow  # noqa: F401
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [ln for ln in caught.read().decode("utf-8", "replace").splitlines(True) if not _TF_NOISE.search(ln)]
            if kept:
                sys.stderr.write("".join(kept))


quiet_tensorflow()

import tensorflow as tf  # noqa: E402

# TensorFlow's Python logger warns when a tf.function is traced again after 5 calls ("triggered tf.function
# retracing"). Every model compiles its own rollout, so a chapter that runs many models (the regimes, the ablated
# and perturbed copies of one model) trips it by design, and the warning lands on the book's pages: errors only.
tf.get_logger().setLevel("ERROR")

__all__ = ["tf", "quiet_tensorflow"]
