"""nca_core's TensorFlow set-up: the pooling host allocator is on by default, and it changes no number.

Each case runs in a fresh interpreter, since TensorFlow reads the allocator switch once, when it makes its
first host allocator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from nca_core.core.backend import BFC_ENV

#: prints the switch's value and whether TensorFlow's host allocator keeps statistics (only the pool does)
PROBE = """
import json
from nca_core.core.backend import tf
import os
x = tf.random.normal([256, 256]); tf.matmul(x, x).numpy()
try:
    tf.config.experimental.get_memory_info("CPU:0"); pooled = True
except ValueError:
    pooled = False
print(json.dumps({"env": os.environ.get("TF_CPU_ALLOCATOR_USE_BFC"), "pooled": pooled}))
"""

#: trains three epochs of a small Gray-Scott-like NCA from a fixed seed and prints every epoch's loss
TRAIN = """
import json
import numpy as np
from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.core.train import Trainer
rng = np.random.default_rng(0)
nca = NCAConfig(channels=6, observable=2, kernel_set="ID_LAP", fire_rate=1.0, boundary="periodic")
y = rng.random((5, 2, 16, 16, 2)).astype("float32")
losses = []
Trainer(nca, TrainConfig(epochs=3, t=4, chunk_size=2, state_reg=0.01, select_after=0.0), y).fit(
    progress=False, callback=lambda epoch, loss: losses.append(float(loss)))
print(json.dumps({"losses": [repr(v) for v in losses]}))
"""


def run(code: str, **env: str) -> dict:
    """``code`` in a fresh interpreter, the allocator switch unset unless ``env`` sets it; its last line, as JSON."""
    full = {k: v for k, v in os.environ.items() if k != BFC_ENV} | env | {"TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_pool_is_on_unless_the_user_says_otherwise():
    assert run(PROBE) == {"env": "true", "pooled": True}
    assert run(PROBE, **{BFC_ENV: "false"}) == {"env": "false", "pooled": False}


def test_the_allocator_changes_no_number():
    pooled = run(TRAIN)
    plain = run(TRAIN, **{BFC_ENV: "false"})
    assert len(pooled["losses"]) == 3
    assert pooled == plain  # bit for bit: repr of every epoch's loss
