"""Speed of the book's in-browser player (book/_static/nca_player.js) in headless Chromium.

Exports the player's models (from the shipped weights; nothing is trained) next to a minimal
page, opens it in headless Chromium and measures, for each case, steps per second of

* ``compute``: the JavaScript step alone, in a loop (no drawing);
* ``player``: the page's player playing at 32 steps per frame (drawing once per frame, as a
  reader sees it; the player yields to the browser after ~45 ms of stepping per frame),

and the achieved multiply-adds per second of the NCA's network (``K·C·H + H·C`` per updating
cell; the perception's taps are not counted), against the player's inner loop alone (eight
independent sums of products, 64 × 64) in the same browser (``js_peak``): the fraction shows
what the perception, the masks and the bookkeeping cost. Hidden units that are 0 (relu) are
skipped in the output layer, so the nominal count can exceed the peak a little.

Targets of the issue: ≥ 20 steps/s for the 80×80 C = 16 morph model and ≥ 30 steps/s for the
128×128 Gray-Scott model. The numbers depend on the machine and on what else runs on it.

    python benchmarks/bench_player.py            # table
    python benchmarks/bench_player.py --json     # one JSON line
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (name, model id, fire rate, what runs): the player's defaults and the extremes
CASES = [
    ("morph C=16, 80×80, fire rate 0.5", "morph_C16_t32", 0.5, "nca"),
    ("morph C=16, 80×80, fire rate 1", "morph_C16_t32", 1.0, "nca"),
    ("morph C=32, 80×80, fire rate 0.5", "morph_C32_t32", 0.5, "nca"),
    ("Gray-Scott NCA C=8, 128×128", "gray_scott_t32", 1.0, "nca"),
    ("Gray-Scott PDE, 128×128", "gray_scott_t32", 1.0, "pde"),
    ("Gray-Scott NCA + PDE, 128×128", "gray_scott_t32", 1.0, "both"),
]

COMPUTE = """
const [id, rate, what, seconds, done] = arguments;
const base = new URL("_static/models/", location.href).href;
Promise.all([NCAPlayer.loadData("index", base), NCAPlayer.loadData(id, base)]).then(([index, rec]) => {
  const m = NCAPlayer.prepareModel(rec);
  let nca = null, pde = null, H, W;
  if (m.task === "morph") {
    const ic = NCAPlayer.decodeArray(index.tasks.morph.ic); H = ic.shape[0]; W = ic.shape[1];
    nca = new NCAPlayer.NCASim(m, H, W);
    for (let p = 0; p < H * W; p++) for (let c = 0; c < 4; c++) nca.state[p * m.channels + c] = ic.data[p * 4 + c];
  } else {
    const a = NCAPlayer.decodeArray(index.tasks.gray_scott.test_ic_a).data; H = W = 128;
    if (what !== "pde") { nca = new NCAPlayer.NCASim(m, H, W); nca.state.set(NCAPlayer.fromA(a, H * W, m.channels)); }
    if (what !== "nca") { pde = new NCAPlayer.GrayScott(m.pde, H, W); pde.state.set(NCAPlayer.fromA(a, H * W, 2)); }
  }
  if (nca) nca.fireRate = rate;
  let n = 0; const t0 = performance.now();
  while (performance.now() - t0 < 1000 * seconds) { if (nca) nca.step(); if (pde) pde.step(); n++; }
  const dt = (performance.now() - t0) / 1000;
  done({steps: n, seconds: dt, macs: nca ? (m.K * m.channels * m.hidden + m.hidden * m.channels) * H * W * rate : 0});
}).catch(e => done({error: String(e)}));
"""

PLAYER = """
const [id, rate, seconds, done] = arguments;
const p = document.querySelector(".nca-player").ncaPlayer;
p.ready.then(() => p.select(id)).then(() => {
  p.nca.fireRate = rate; p.speed = 32;
  const n0 = p.nca.steps, t0 = performance.now();
  p.play();
  setTimeout(() => { p.pause(); done({steps: p.nca.steps - n0, seconds: (performance.now() - t0) / 1000}); },
             1000 * seconds);
});
"""

# the player's inner loop at its best: eight independent sums over the features (dot products of z with W_hidden)
PEAK = """
const [F, Hd, seconds] = arguments;
const w = new Float64Array(F * Hd).map(() => Math.random() - 0.5), z = new Float64Array(F).map(Math.random);
const hid = new Float64Array(Hd);
let n = 0; const t0 = performance.now();
while (performance.now() - t0 < 1000 * seconds) {
  for (let rep = 0; rep < 100; rep++) {
    for (let h = 0; h < Hd; h += 8) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let f = 0, r = h; f < F; f++, r += Hd) {
        const zf = z[f];
        s0 += zf * w[r]; s1 += zf * w[r + 1]; s2 += zf * w[r + 2]; s3 += zf * w[r + 3];
        s4 += zf * w[r + 4]; s5 += zf * w[r + 5]; s6 += zf * w[r + 6]; s7 += zf * w[r + 7];
      }
      hid[h] = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    }
    n++;
  }
}
return n * F * Hd / ((performance.now() - t0) / 1000) + 0 * hid[0];
"""


def chromium_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        sys.exit("bench_player: needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
    d.set_script_timeout(600)
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="time per measurement")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from nca_core.book import player

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "_static").mkdir()
        shutil.copy(ROOT / "book" / "_static" / "nca_player.js", folder / "_static")
        player.export(folder / "_static" / "models")
        (folder / "page.html").write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                                          '<div class="nca-player"></div><script src="_static/nca_player.js"></script>'
                                          '</body></html>')
        d = chromium_driver()
        try:
            d.get((folder / "page.html").as_uri())
            peak = d.execute_script(PEAK, 64, 64, args.seconds)
            rows = []
            for name, model_id, rate, what in CASES:
                r = d.execute_async_script(COMPUTE, model_id, rate, what, args.seconds)
                if "error" in r:
                    raise SystemExit(f"bench_player: {r['error']}")
                row = {"case": name, "compute_steps_per_s": r["steps"] / r["seconds"],
                       "mmac_per_s": r["macs"] * r["steps"] / r["seconds"] / 1e6}
                if what in ("nca", "both") and (what == "both" or not model_id.startswith("gray_scott")):
                    p = d.execute_async_script(PLAYER, model_id, rate, args.seconds)
                    row["player_steps_per_s"] = p["steps"] / p["seconds"]
                rows.append(row)
        finally:
            d.quit()
    out = {"js_peak_mmac_per_s": peak / 1e6, "cases": rows}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"the player's inner loop alone (64×64, js_peak): {peak / 1e6:.0f} M MAC/s")
    print(f"{'case':36s} {'compute steps/s':>16s} {'player steps/s':>15s} {'M MAC/s':>9s} {'of peak':>8s}")
    for r in rows:
        frac = r["mmac_per_s"] / (peak / 1e6) if r["mmac_per_s"] else float("nan")
        ps = r.get("player_steps_per_s")
        print(f"{r['case']:36s} {r['compute_steps_per_s']:16.1f} {'' if ps is None else f'{ps:.1f}':>15s} "
              f"{r['mmac_per_s']:9.0f} {frac:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
