/*
 * nca_player.js: the book's in-browser NCA player (no dependencies, no server, no network).
 *
 * It runs the shipped models exported by `nca-book build` into `_static/models/` (format in
 * nca_core/view/web.py). One NCA step of a state x[H, W, C] (pixel-major, channel last) is
 * exactly nca_core.core.reference.step:
 *
 *   z[c*K + k] = sum_{a,b in -1..1} g_k[a+1][b+1] * x[i+a, j+b, c]   (cross-correlation,
 *                                            ghost cells: periodic wrap, zero, or mirror)
 *   hidden     = u(z . W_hidden)            (u: the model's activation)
 *   dx         = hidden . W_out + b_out
 *   x'         = x + mask * dx              (mask: Bernoulli(fire_rate) per pixel or channel,
 *                                            or given explicitly; all ones when fire_rate = 1)
 *
 * Sums are taken in double precision; the state is stored as float32 (as the library's
 * float32 models) unless the simulation is created with precision "float64". The Gray-Scott
 * PDE step is nca_core.data.gray_scott.solve's forward Euler with the separable 9-point
 * Laplacian on a periodic lattice.
 *
 * Page use: <div class="nca-player"></div> <script src="../_static/nca_player.js"></script>.
 * Every element with class "nca-player" becomes a player; `data-models` may give the folder of
 * the data files (default: `models/` beside this script).
 */
(function (global) {
  "use strict";

  var FORMAT = 1;
  var SCRIPT_URL = (document.currentScript && document.currentScript.src) || global.location.href;

  // ------------------------------------------------------------------ data files
  function decodeArray(rec) {
    var bin = global.atob(rec.b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var data;
    if (rec.dtype === "float32") data = new Float32Array(bytes.buffer);
    else if (rec.dtype === "uint8") data = bytes;
    else throw new Error("unknown dtype " + rec.dtype);
    var n = rec.shape.reduce(function (a, b) { return a * b; }, 1);
    if (data.length !== n) throw new Error("array of shape " + rec.shape + " has " + data.length + " values");
    return { data: data, shape: rec.shape.slice() };
  }

  /** Load data file `name` (a script storing NCA_PLAYER_DATA[name]) from folder `base`. */
  function loadData(name, base) {
    var table = global.NCA_PLAYER_DATA || {};
    if (table[name]) return Promise.resolve(table[name]);
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = new URL(name + ".js", base).href;
      s.onload = function () {
        var d = (global.NCA_PLAYER_DATA || {})[name];
        if (!d) reject(new Error(s.src + " did not define NCA_PLAYER_DATA['" + name + "']"));
        else if (d.format !== FORMAT) reject(new Error(s.src + " has format " + d.format + "; this player reads " + FORMAT));
        else resolve(d);
      };
      s.onerror = function () {
        reject(new Error("could not load " + s.src + " (the model files are written by `nca-book build`)"));
      };
      document.head.appendChild(s);
    });
  }

  // ------------------------------------------------------------------ random numbers
  /** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
  function makeRng(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // ------------------------------------------------------------------ the NCA
  var ACTIVATIONS = {
    relu: function (z) { return z > 0 ? z : 0; },
    linear: function (z) { return z; },
    tanh: function (z) { return Math.tanh(z); },
    swish: function (z) { return z / (1 + Math.exp(-z)); },
    leaky_relu: function (z) { return z > 0 ? z : 0.01 * z; },
    gelu: function (z) { return 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))); }
  };

  /** A model record (a data file's object) with its arrays decoded. */
  function prepareModel(rec) {
    if (rec.format !== FORMAT) throw new Error("model format " + rec.format + "; this player reads " + FORMAT);
    if (!ACTIVATIONS[rec.activation]) throw new Error("unknown activation " + rec.activation);
    var m = Object.assign({}, rec);
    var K = rec.kernels.length, C = rec.channels, H = rec.hidden;
    var wh = decodeArray(rec.arrays.w_hidden), wo = decodeArray(rec.arrays.w_out), bo = decodeArray(rec.arrays.b_out);
    if (wh.shape[0] !== K * C || wh.shape[1] !== H || wo.shape[0] !== H || wo.shape[1] !== C || bo.shape[0] !== C) {
      throw new Error("weights of " + rec.id + " do not match C=" + C + ", K=" + K + ", H=" + H);
    }
    m.wHidden = Float64Array.from(wh.data);
    m.wOut = Float64Array.from(wo.data);
    m.bOut = Float64Array.from(bo.data);
    m.K = K;
    return m;
  }

  /**
   * An NCA on an H x W lattice. `state` holds x[H, W, C] (pixel-major). step(mask) advances it:
   * mask undefined: drawn from this.rng with this.fireRate (per pixel or per channel, as the model);
   * mask null: every cell updates; a Uint8Array of H*W (per pixel) or H*W*C values: that mask.
   */
  function NCASim(model, H, W, options) {
    options = options || {};
    var Arr = options.precision === "float64" ? Float64Array : Float32Array;
    this.model = model;
    this.H = H; this.W = W; this.C = model.channels;
    this.state = new Arr(H * W * this.C);
    this.next = new Arr(H * W * this.C);
    this.pad = new Arr((H + 2) * (W + 2) * this.C);
    this.fireRate = model.fire_rate;
    this.rng = makeRng(options.seed === undefined ? 1 : options.seed);
    this.maskBuf = new Uint8Array(model.mask === "channel" ? H * W * this.C : H * W);
    this.steps = 0;
    // the stencil taps: offsets into the padded state (without the channel) and weights
    var Wp = W + 2;
    this.taps = model.stencils.map(function (g) {
      var off = [], w = [];
      for (var a = -1; a <= 1; a++) {
        for (var b = -1; b <= 1; b++) {
          if (g[a + 1][b + 1] !== 0) { off.push((a * Wp + b) * model.channels); w.push(g[a + 1][b + 1]); }
        }
      }
      return { off: Int32Array.from(off), w: Float64Array.from(w) };
    });
    this.z = new Float64Array(model.K * this.C);
    this.hid = new Float64Array(model.hidden);
    this.active = new Int32Array(model.hidden); // indices of the non-zero hidden units
  }

  /** Copy the state into the padded lattice and fill the ghost cells for the boundary. */
  NCASim.prototype.fillPad = function () {
    var H = this.H, W = this.W, C = this.C, Wp = W + 2, x = this.state, pad = this.pad;
    var row = W * C, prow = Wp * C, i, c;
    for (i = 0; i < H; i++) pad.set(x.subarray(i * row, (i + 1) * row), ((i + 1) * Wp + 1) * C);
    var boundary = this.model.boundary;
    if (boundary === "zero") return; // ghost cells are never written: they stay 0
    var periodic = boundary === "periodic";
    if (!periodic && boundary !== "reflect") throw new Error("unknown boundary " + boundary);
    for (i = 1; i <= H; i++) {
      var b = i * prow;
      var left = periodic ? W : 1, right = periodic ? 1 : W; // padded columns copied into columns 0 and W+1
      for (c = 0; c < C; c++) {
        pad[b + c] = pad[b + left * C + c];
        pad[b + (W + 1) * C + c] = pad[b + right * C + c];
      }
    }
    var top = periodic ? H : 1, bottom = periodic ? 1 : H;
    pad.copyWithin(0, top * prow, (top + 1) * prow);
    pad.copyWithin((H + 1) * prow, bottom * prow, (bottom + 1) * prow);
  };

  NCASim.prototype.drawMask = function () {
    var m = this.maskBuf, p = this.fireRate, rng = this.rng;
    for (var i = 0; i < m.length; i++) m[i] = rng() < p ? 1 : 0;
    return m;
  };

  NCASim.prototype.step = function (mask) {
    var model = this.model, H = this.H, W = this.W, C = this.C, K = model.K, Hd = model.hidden;
    var F = K * C, Wp = W + 2;
    if (mask === undefined) mask = this.fireRate >= 1 ? null : this.drawMask();
    var perChannel = mask !== null && mask.length === H * W * C;
    if (mask !== null && !perChannel && mask.length !== H * W) {
      throw new Error("mask has " + mask.length + " values; accepted: H*W or H*W*C");
    }
    this.fillPad();
    var x = this.state, out = this.next, pad = this.pad;
    out.set(x);
    var z = this.z, hid = this.hid, taps = this.taps;
    var wh = model.wHidden, wo = model.wOut, bo = model.bOut, act = ACTIVATIONS[model.activation];
    var relu = model.activation === "relu";
    var active = this.active, C4 = C - C % 4;
    for (var i = 0; i < H; i++) {
      for (var j = 0; j < W; j++) {
        var p = i * W + j;
        if (mask !== null && !perChannel && mask[p] === 0) continue; // a resting cell keeps its state
        var base = ((i + 1) * Wp + j + 1) * C;
        var c, k, t, f, h, s, n, a, r, s0, s1, s2, s3, s4, s5, s6, s7, zf;
        for (k = 0; k < K; k++) {
          var tk = taps[k], off = tk.off, w = tk.w, nt = off.length;
          for (c = 0; c < C; c++) {
            s = 0;
            for (t = 0; t < nt; t++) s += w[t] * pad[base + off[t] + c];
            z[c * K + k] = s;
          }
        }
        // hidden = u(z . W_hidden), eight hidden units at a time (independent sums, each over f in order);
        // then the non-zero ones are kept with their indices
        n = 0;
        for (h = 0; h < Hd; h += 8) {
          if (h + 8 <= Hd) {
            s0 = 0; s1 = 0; s2 = 0; s3 = 0; s4 = 0; s5 = 0; s6 = 0; s7 = 0;
            for (f = 0, r = h; f < F; f++, r += Hd) {
              zf = z[f];
              s0 += zf * wh[r]; s1 += zf * wh[r + 1]; s2 += zf * wh[r + 2]; s3 += zf * wh[r + 3];
              s4 += zf * wh[r + 4]; s5 += zf * wh[r + 5]; s6 += zf * wh[r + 6]; s7 += zf * wh[r + 7];
            }
            hid[h] = s0; hid[h + 1] = s1; hid[h + 2] = s2; hid[h + 3] = s3;
            hid[h + 4] = s4; hid[h + 5] = s5; hid[h + 6] = s6; hid[h + 7] = s7;
          } else {
            for (var h1 = h; h1 < Hd; h1++) {
              s = 0;
              for (f = 0; f < F; f++) s += z[f] * wh[f * Hd + h1];
              hid[h1] = s;
            }
          }
        }
        for (h = 0; h < Hd; h++) {
          s = hid[h];
          a = relu ? (s > 0 ? s : 0) : act(s);
          if (a !== 0) { hid[n] = a; active[n] = h; n++; }
        }
        // dx = hidden . W_out + b_out, four channels at a time; x' = x + mask * dx
        var q = p * C;
        for (c = 0; c < C; c += 4) {
          if (c < C4) {
            s0 = bo[c]; s1 = bo[c + 1]; s2 = bo[c + 2]; s3 = bo[c + 3];
            for (t = 0; t < n; t++) {
              a = hid[t]; r = active[t] * C + c;
              s0 += a * wo[r]; s1 += a * wo[r + 1]; s2 += a * wo[r + 2]; s3 += a * wo[r + 3];
            }
            if (!perChannel) {
              out[q + c] = x[q + c] + s0; out[q + c + 1] = x[q + c + 1] + s1;
              out[q + c + 2] = x[q + c + 2] + s2; out[q + c + 3] = x[q + c + 3] + s3;
            } else {
              if (mask[q + c] !== 0) out[q + c] = x[q + c] + s0;
              if (mask[q + c + 1] !== 0) out[q + c + 1] = x[q + c + 1] + s1;
              if (mask[q + c + 2] !== 0) out[q + c + 2] = x[q + c + 2] + s2;
              if (mask[q + c + 3] !== 0) out[q + c + 3] = x[q + c + 3] + s3;
            }
          } else {
            for (var c1 = c; c1 < C; c1++) {
              s = bo[c1];
              for (t = 0; t < n; t++) s += hid[t] * wo[active[t] * C + c1];
              if (!perChannel || mask[q + c1] !== 0) out[q + c1] = x[q + c1] + s;
            }
          }
        }
      }
    }
    this.next = x;
    this.state = out;
    this.steps += 1;
  };

  /** Largest |x| of the state (NaN if any value is not finite). */
  function maxAbs(x) {
    var m = 0;
    for (var i = 0; i < x.length; i++) {
      var v = x[i];
      if (!(v === v) || v === Infinity || v === -Infinity) return NaN;
      if (v > m) m = v; else if (-v > m) m = -v;
    }
    return m;
  }

  // ------------------------------------------------------------------ the Gray-Scott PDE
  /** Forward Euler of the Gray-Scott equations on a periodic H x W lattice; state [H, W, 2] (A, B). */
  function GrayScott(pde, H, W) {
    this.pde = pde;
    this.H = H; this.W = W;
    this.state = new Float32Array(H * W * 2);
    this.next = new Float32Array(H * W * 2);
    this.s = new Float64Array(H * W * 2); // the row pass (1, 2, 1) of the separable Laplacian
    this.steps = 0;
  }

  GrayScott.prototype.step = function () {
    var H = this.H, W = this.W, x = this.state, out = this.next, s = this.s, P = this.pde;
    var i, j, ch;
    for (i = 0; i < H; i++) {
      for (j = 0; j < W; j++) {
        var jl = j === 0 ? W - 1 : j - 1, jr = j === W - 1 ? 0 : j + 1;
        for (ch = 0; ch < 2; ch++) {
          s[(i * W + j) * 2 + ch] = x[(i * W + jl) * 2 + ch] + 2 * x[(i * W + j) * 2 + ch] + x[(i * W + jr) * 2 + ch];
        }
      }
    }
    for (i = 0; i < H; i++) {
      var iu = i === 0 ? H - 1 : i - 1, id = i === H - 1 ? 0 : i + 1;
      for (j = 0; j < W; j++) {
        var q = (i * W + j) * 2;
        var a = x[q], b = x[q + 1];
        var lapA = 0.25 * (s[(iu * W + j) * 2] + 2 * s[q] + s[(id * W + j) * 2]) - 4 * a;
        var lapB = 0.25 * (s[(iu * W + j) * 2 + 1] + 2 * s[q + 1] + s[(id * W + j) * 2 + 1]) - 4 * b;
        var ab2 = a * b * b;
        out[q] = a + P.dt * (P.d_a * lapA - ab2 + P.alpha * (1 - a));
        out[q + 1] = b + P.dt * (P.d_b * lapB + ab2 - (P.gamma + P.alpha) * b);
      }
    }
    this.next = x;
    this.state = out;
    this.steps += 1;
  };

  // ------------------------------------------------------------------ initial conditions
  /** x[H, W, C] from an A field (uint8 0/1): A, B = 1 - A, hidden channels 0. */
  function fromA(a, n, C) {
    var x = new Float64Array(n * C);
    for (var p = 0; p < n; p++) { x[p * C] = a[p]; x[p * C + 1] = 1 - a[p]; }
    return x;
  }

  function randomA(size, rng) {
    var a = new Uint8Array(size * size).fill(1);
    var count = 4 + Math.floor(rng() * 6);
    for (var r = 0; r < count; r++) {
      var h = 4 + Math.floor(rng() * 14), w = 4 + Math.floor(rng() * 14);
      var i0 = Math.floor(rng() * (size - h)), j0 = Math.floor(rng() * (size - w));
      for (var i = i0; i < i0 + h; i++) for (var j = j0; j < j0 + w; j++) a[i * size + j] = 0;
    }
    return a;
  }

  // ------------------------------------------------------------------ pictures
  var CELL = 5, LIGHT = 1.0, DARK = 0.82; // the checkerboard of nca_core.view.images.composite

  function clip01(v) { return v > 1 ? 1 : (v > 0 ? v : 0); } // NaN -> 0

  /** RGBA (straight alpha, clipped to [0, 1]) over the checkerboard into an RGBA pixel buffer. */
  function putComposite(px, pw, x0, y0, H, W, get) {
    var rgba = [0, 0, 0, 0];
    for (var i = 0; i < H; i++) {
      for (var j = 0; j < W; j++) {
        get(i * W + j, rgba);
        var al = clip01(rgba[3]);
        var board = (((i / CELL) | 0) + ((j / CELL) | 0)) % 2 === 0 ? LIGHT : DARK;
        var o = ((y0 + i) * pw + x0 + j) * 4;
        for (var c = 0; c < 3; c++) px[o + c] = Math.round(255 * (clip01(rgba[c]) * al + board * (1 - al)));
        px[o + 3] = 255;
      }
    }
  }

  /** A scalar field through a colour map (uint8 [256, 3]) with range [lo, hi]. */
  function putMapped(px, pw, x0, y0, H, W, get, lut, lo, hi) {
    for (var i = 0; i < H; i++) {
      for (var j = 0; j < W; j++) {
        var v = get(i * W + j), o = ((y0 + i) * pw + x0 + j) * 4;
        if (!(v === v)) { px[o] = 128; px[o + 1] = 128; px[o + 2] = 128; px[o + 3] = 255; continue; }
        var k = Math.round(255 * clip01((v - lo) / (hi - lo)));
        px[o] = lut[3 * k]; px[o + 1] = lut[3 * k + 1]; px[o + 2] = lut[3 * k + 2]; px[o + 3] = 255;
      }
    }
  }

  // ------------------------------------------------------------------ the player
  var CSS = [
    ".nca-player{font-size:.9rem;margin:1rem 0}",
    ".nca-player .nca-row{display:flex;flex-wrap:wrap;gap:.4rem .7rem;align-items:center;margin:.35rem 0}",
    // a label may shrink to the row (min-width:0), and its menu with it: no control is wider than the column
    ".nca-player label{display:inline-flex;gap:.3rem;align-items:center;margin:0;max-width:100%;min-width:0}",
    ".nca-player button{padding:.15rem .6rem;border:1px solid #888;border-radius:4px;background:#f6f6f6;cursor:pointer}",
    ".nca-player select{max-width:100%;min-width:0;text-overflow:ellipsis}",
    ".nca-player input[type=range]{width:5.5em}",
    // "▶ play" and "❚❚ pause" take the same room, so the controls after the button stay put
    ".nca-player button.nca-play{width:5.8em;text-align:left;white-space:nowrap}",
    ".nca-player canvas.nca-lattice{image-rendering:pixelated;image-rendering:crisp-edges;cursor:crosshair;" +
      "touch-action:none;border:1px solid #ccc;display:block}",
    ".nca-player .nca-panels{display:flex;flex-wrap:wrap;gap:4px}",
    ".nca-player .nca-panels figure{margin:0;padding:0;text-align:center;font-size:.8rem;color:#555}",
    // the step counter and the rate have fixed boxes (the rate holds a no-break space when still), so nothing
    // moves, grows or wraps when playing starts, stops or the numbers get longer
    ".nca-player .nca-step{font-variant-numeric:tabular-nums;font-weight:600;white-space:nowrap;" +
      "display:inline-block;width:5.8em}",
    ".nca-player .nca-rate{font-variant-numeric:tabular-nums;white-space:nowrap;display:inline-block;" +
      "width:7.6em;overflow:hidden}",
    // a slider's value: as wide as its longest value ("32", "0.50"), so the controls after it stay put
    ".nca-player .nca-out{font-variant-numeric:tabular-nums;display:inline-block;width:1.4em}",
    ".nca-player .nca-out.nca-fire-out{width:2.4em}",
    ".nca-player .nca-info,.nca-player .nca-stats{color:#555;font-size:.8rem}",
    ".nca-player .nca-status{color:#a00}",
    ".nca-player .nca-targets{display:flex;gap:.5rem;align-items:flex-end}",
    ".nca-player .nca-targets figure{margin:0;padding:0;text-align:center;font-size:.75rem;color:#555}",
    ".nca-player .nca-targets canvas{image-rendering:pixelated;border:2px solid transparent;display:block}",
    ".nca-player .nca-targets canvas.nca-now{border-color:#d60}"
  ].join("\n");

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "className") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function labelled(text, control, className) {
    return el("label", className ? { className: className } : {}, [text, control]);
  }

  function hexColour(hex) {
    return [1, 3, 5].map(function (i) { return parseInt(hex.slice(i, i + 2), 16) / 255; });
  }

  /** The player inside element `root`, reading its data files from `base`. */
  function Player(root, base) {
    this.root = root;
    this.base = base;
    this.models = {};
    this.playing = false;
    this.speed = 1;
    this.stepsPerSecond = 0;
    this.frameId = null;
    this.nca = null; this.pde = null; this.model = null;
    this.view = "obs";
    this.tool = "erase";
    this.radius = 5;
    this.colour = [0.9, 0.2, 0.1];
    this.icChoice = "test";
    this.rng = makeRng((Date.now() % 4294967296) >>> 0);
    this.errors = [];
    Player.instances.push(this);
  }
  Player.instances = [];

  Player.prototype.fail = function (err) {
    this.errors.push(String(err && err.message || err));
    if (this.statusEl) this.statusEl.textContent = String(err && err.message || err);
    this.pause();
  };

  Player.prototype.start = function () {
    var self = this;
    this.buildControls();
    this.statusEl.textContent = "loading the models …";
    this.ready = loadData("index", this.base).then(function (index) {
      self.index = index;
      self.luts = {};
      Object.keys(index.colormaps).forEach(function (k) { self.luts[k] = decodeArray(index.colormaps[k]).data; });
      self.fillModelMenu();
      self.statusEl.textContent = "";
      return self.select(index.models[0].id);
    }).catch(function (e) { self.fail(e); });
    return this.ready;
  };

  Player.prototype.buildControls = function () {
    var self = this, root = this.root;
    root.textContent = "";
    root.classList.add("nca-player-ready");
    this.modelSel = el("select", { className: "nca-model", "aria-label": "model" });
    this.playBtn = el("button", { type: "button", className: "nca-play", text: "▶ play" });
    this.stepBtn = el("button", { type: "button", className: "nca-step-once", text: "step" });
    this.resetBtn = el("button", { type: "button", className: "nca-reset", text: "reset" });
    this.speedIn = el("input", { type: "range", min: "1", max: "32", value: "1", className: "nca-speed" });
    this.speedOut = el("span", { className: "nca-out", text: "1" });
    this.stepEl = el("span", { className: "nca-step", text: "n = 0" });
    this.rateEl = el("span", { className: "nca-rate", text: "\u00a0" });
    this.viewSel = el("select", { className: "nca-view", "aria-label": "channels shown" });
    this.icSel = el("select", { className: "nca-ic", "aria-label": "initial condition" });
    [["test", "unseen test IC (128×128)"], ["train0", "training IC 1 (64×64)"], ["train1", "training IC 2 (64×64)"],
      ["train2", "training IC 3 (64×64)"], ["train3", "training IC 4 (64×64)"], ["random", "random squares (128×128)"]]
      .forEach(function (o) { self.icSel.appendChild(el("option", { value: o[0], text: o[1] })); });
    this.toolSel = el("select", { className: "nca-tool", "aria-label": "tool" });
    [["erase", "erase (disc)"], ["paint", "paint (disc)"]].forEach(function (o) {
      self.toolSel.appendChild(el("option", { value: o[0], text: o[1] }));
    });
    this.colourIn = el("input", { type: "color", value: "#e6331a", className: "nca-colour" });
    this.radiusIn = el("input", { type: "range", min: "1", max: "20", value: "5", className: "nca-radius" });
    this.radiusOut = el("span", { className: "nca-out", text: "5" });
    this.fireIn = el("input", { type: "range", min: "0", max: "1", step: "0.05", value: "0.5", className: "nca-fire" });
    this.fireOut = el("span", { className: "nca-out nca-fire-out", text: "0.50" });
    this.icLabel = labelled("start from ", this.icSel);
    this.colourLabel = labelled("colour ", this.colourIn);
    this.panelsEl = el("div", { className: "nca-panels" });
    this.targetsEl = el("div", { className: "nca-targets" });
    this.statsEl = el("div", { className: "nca-stats" });
    this.infoEl = el("div", { className: "nca-info" });
    this.statusEl = el("div", { className: "nca-status", role: "status" });
    root.appendChild(el("div", { className: "nca-row" }, [labelled("model ", this.modelSel), this.icLabel]));
    root.appendChild(el("div", { className: "nca-row" }, [this.playBtn, this.stepBtn, this.resetBtn,
      labelled("steps per frame ", this.speedIn), this.speedOut, this.stepEl, this.rateEl]));
    root.appendChild(el("div", { className: "nca-row" }, [labelled("show ", this.viewSel),
      labelled("mouse ", this.toolSel), this.colourLabel, labelled("radius ", this.radiusIn), this.radiusOut,
      labelled("fire rate ", this.fireIn), this.fireOut]));
    root.appendChild(this.statusEl);
    root.appendChild(this.panelsEl);
    root.appendChild(this.statsEl);
    root.appendChild(this.targetsEl);
    root.appendChild(this.infoEl);

    this.modelSel.addEventListener("change", function () { self.select(self.modelSel.value); });
    this.icSel.addEventListener("change", function () { self.icChoice = self.icSel.value; self.reset(); });
    this.playBtn.addEventListener("click", function () { if (self.playing) self.pause(); else self.play(); });
    this.stepBtn.addEventListener("click", function () { self.pause(); self.advance(1); self.render(); });
    this.resetBtn.addEventListener("click", function () { self.reset(); });
    this.speedIn.addEventListener("input", function () {
      self.speed = +self.speedIn.value; self.speedOut.textContent = self.speedIn.value;
    });
    this.viewSel.addEventListener("change", function () { self.view = self.viewSel.value; self.layout(); self.render(); });
    this.toolSel.addEventListener("change", function () { self.tool = self.toolSel.value; self.showControls(); });
    this.colourIn.addEventListener("input", function () { self.colour = hexColour(self.colourIn.value); });
    this.radiusIn.addEventListener("input", function () {
      self.radius = +self.radiusIn.value; self.radiusOut.textContent = self.radiusIn.value;
    });
    this.fireIn.addEventListener("input", function () {
      self.fireOut.textContent = (+self.fireIn.value).toFixed(2);
      if (self.nca) self.nca.fireRate = +self.fireIn.value;
    });
    // click or drag on any panel: the panels show the same lattice
    var drawing = false;
    this.panelsEl.addEventListener("pointerdown", function (ev) {
      if (!ev.target.classList.contains("nca-lattice")) return;
      drawing = true;
      self.lastCell = null;
      if (ev.target.setPointerCapture) try { ev.target.setPointerCapture(ev.pointerId); } catch (e) { /* synthetic */ }
      self.pointer(ev);
      ev.preventDefault();
    });
    this.panelsEl.addEventListener("pointermove", function (ev) { if (drawing) self.pointer(ev); });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      self.panelsEl.addEventListener(t, function () { drawing = false; });
    });
  };

  Player.prototype.fillModelMenu = function () {
    var self = this, groups = {};
    var names = { morph: "Morphing between images", gray_scott: "Gray-Scott reaction–diffusion" };
    this.index.models.forEach(function (m) {
      if (!groups[m.task]) {
        groups[m.task] = el("optgroup", { label: names[m.task] || m.task });
        self.modelSel.appendChild(groups[m.task]);
      }
      groups[m.task].appendChild(el("option", { value: m.id, text: m.label }));
    });
  };

  /** Switch to model `id` (loading its file once); resolves when it is shown. */
  Player.prototype.select = function (id) {
    var self = this;
    this.pause();
    this.modelSel.value = id;
    var have = this.models[id] ? Promise.resolve(this.models[id]) : loadData(id, this.base).then(function (rec) {
      self.models[id] = prepareModel(rec);
      return self.models[id];
    });
    return have.then(function (model) {
      self.model = model;
      self.fireIn.value = String(model.fire_rate);
      self.fireOut.textContent = model.fire_rate.toFixed(2);
      self.fillViews();
      self.describe();
      self.reset();
      return model;
    }).catch(function (e) { self.fail(e); });
  };

  Player.prototype.fillViews = function () {
    var m = this.model, sel = this.viewSel;
    sel.textContent = "";
    var opts = [];
    if (m.task === "morph") {
      opts.push(["obs", "RGBA"]);
      for (var lo = 4; lo < m.channels; lo += 4) {
        opts.push(["group" + lo, "hidden channels " + lo + "–" + Math.min(lo + 3, m.channels - 1)]);
      }
      opts.push(["all", "all channels (as videos S2/S3)"]);
    } else {
      opts.push(["obs", "B (magma) and NCA − PDE"], ["obsA", "A (viridis) and NCA − PDE"],
        ["hidden", "hidden channels of the NCA"]);
    }
    opts.forEach(function (o) { sel.appendChild(el("option", { value: o[0], text: o[1] })); });
    this.view = "obs";
    sel.value = "obs";
  };

  Player.prototype.describe = function () {
    var m = this.model, tr = m.training || {};
    var parts = [m.label + ".", "C = " + m.channels + " (" + m.observable + " observable), stencils " + m.kernels.join(", ") +
      ", " + m.activation + ", " + m.boundary + " boundary, fire rate " + m.fire_rate + "."];
    if (tr.epochs_run !== undefined) {
      var rate = tr.lr_schedule && tr.lr_schedule !== "constant" ?
        "a " + tr.lr_schedule + " learning rate from " + tr.lr + " to " + tr.lr_min : "learning rate " + tr.lr;
      parts.push("Trained " + tr.epochs_run + " epochs" + (tr.profile ? " (the " + tr.profile + " profile)" : "") +
        " at " + rate + ", t = " + tr.t + "; best epoch " + (tr.best_epoch + 1) + ", loss " +
        Number(tr.best_loss).toPrecision(4) + " (" + tr.source + " model " + tr.key + ").");
    }
    this.infoEl.textContent = parts.join(" ");
    this.icLabel.style.display = m.task === "gray_scott" ? "" : "none";
    this.showControls();
  };

  Player.prototype.showControls = function () {
    var morph = this.model && this.model.task === "morph";
    this.colourLabel.style.display = morph && this.tool === "paint" ? "" : "none";
  };

  /** Back to the initial condition: the alien (morph) or the chosen IC (Gray-Scott, NCA and PDE). */
  Player.prototype.reset = function () {
    var m = this.model;
    if (!m) return;
    this.pause();
    var rate = +this.fireIn.value;
    var t, x0, size;
    if (m.task === "morph") {
      t = this.index.tasks.morph;
      var ic = decodeArray(t.ic);
      size = ic.shape[0];
      this.nca = new NCASim(m, size, ic.shape[1]);
      var C = m.channels, n = size * ic.shape[1];
      for (var p = 0; p < n; p++) for (var c = 0; c < 4; c++) this.nca.state[p * C + c] = ic.data[p * 4 + c];
      this.pde = null;
    } else {
      t = this.index.tasks.gray_scott;
      var a;
      if (this.icChoice === "test") { a = decodeArray(t.test_ic_a).data; size = 128; }
      else if (this.icChoice === "random") { size = 128; a = randomA(size, this.rng); }
      else {
        var k = +this.icChoice.slice(5), tr = decodeArray(t.training_ics_a);
        size = tr.shape[1];
        a = tr.data.subarray(k * size * size, (k + 1) * size * size);
      }
      this.nca = new NCASim(m, size, size);
      this.nca.state.set(fromA(a, size * size, m.channels));
      this.pde = new GrayScott(m.pde, size, size);
      this.pde.state.set(fromA(a, size * size, 2));
    }
    this.nca.fireRate = rate;
    this.diverged = false;
    this.statusEl.textContent = "";
    this.layout();
    this.render();
  };

  /** The panels of the current view: [{title, draw(px, pw, x0, y0)}] laid out in `cols` columns. */
  Player.prototype.panels = function () {
    var self = this, m = this.model, nca = this.nca, C = m.channels, H = nca.H, W = nca.W;
    var luts = this.luts, out = [];
    function group(lo) {
      return function (px, pw, x0, y0) {
        var x = self.nca.state;
        putComposite(px, pw, x0, y0, H, W, lo === 0 ? function (p, v) {
          for (var c = 0; c < 4; c++) v[c] = x[p * C + c];
        } : function (p, v) {
          for (var c = 0; c < 4; c++) v[c] = lo + c < C ? (1 + Math.tanh(x[p * C + lo + c])) / 2 : 1;
        });
      };
    }
    if (m.task === "morph") {
      if (this.view === "obs") out.push({ title: "RGBA", draw: group(0) });
      else if (this.view === "all") {
        out.push({ title: "RGBA", draw: group(0) });
        for (var lo = 4; lo < C; lo += 4) out.push({ title: "channels " + lo + "–" + Math.min(lo + 3, C - 1), draw: group(lo) });
      } else {
        var g = +this.view.slice(5);
        out.push({ title: "channels " + g + "–" + Math.min(g + 3, C - 1), draw: group(g) });
      }
      return out;
    }
    if (this.view === "hidden") {
      for (var h = m.observable; h < C; h++) {
        (function (ch) {
          out.push({ title: "channel " + ch + " (min to max)", draw: function (px, pw, x0, y0) {
            var x = self.nca.state, lo = Infinity, hi = -Infinity;
            for (var p = 0; p < H * W; p++) { lo = Math.min(lo, x[p * C + ch]); hi = Math.max(hi, x[p * C + ch]); }
            if (!(hi - lo > 1e-12)) { lo -= 1; hi += 1; }
            putMapped(px, pw, x0, y0, H, W, function (p) { return x[p * C + ch]; }, luts.viridis, lo, hi);
          } });
        })(h);
      }
      return out;
    }
    var ch0 = this.view === "obsA" ? 0 : 1, name = ch0 ? "B" : "A", lut = ch0 ? luts.magma : luts.viridis;
    out.push({ title: "NCA, " + name, draw: function (px, pw, x0, y0) {
      var x = self.nca.state;
      putMapped(px, pw, x0, y0, H, W, function (p) { return x[p * C + ch0]; }, lut, 0, 1);
    } });
    out.push({ title: "PDE, " + name, draw: function (px, pw, x0, y0) {
      var y = self.pde.state;
      putMapped(px, pw, x0, y0, H, W, function (p) { return y[p * 2 + ch0]; }, lut, 0, 1);
    } });
    out.push({ title: "NCA − PDE, " + name + " (±0.5)", draw: function (px, pw, x0, y0) {
      var x = self.nca.state, y = self.pde.state;
      putMapped(px, pw, x0, y0, H, W, function (p) { return x[p * C + ch0] - y[p * 2 + ch0]; }, luts.RdBu_r, -0.5, 0.5);
    } });
    return out;
  };

  /** One canvas per panel, each drawn at one pixel per cell and magnified by CSS. */
  Player.prototype.layout = function () {
    if (!this.nca) return;
    var H = this.nca.H, W = this.nca.W, panels = this.panels();
    var n = panels.length, cols = n <= 4 ? n : Math.ceil(n / 2);
    var avail = Math.max(240, (this.root.clientWidth || 720) - 8 * cols); // gaps and borders
    var scale = Math.max(1, Math.min(4, Math.floor(4 * avail / (cols * W)) / 4)); // CSS pixels per cell
    this.grid = { scale: scale, H: H, W: W, panels: panels };
    this.panelsEl.textContent = "";
    panels.forEach(function (panel) {
      var cv = el("canvas", { className: "nca-lattice", width: String(W), height: String(H) });
      cv.style.width = W * scale + "px";
      cv.style.height = H * scale + "px";
      panel.canvas = cv;
      panel.ctx = cv.getContext("2d");
      panel.image = panel.ctx.createImageData(W, H);
      this.panelsEl.appendChild(el("figure", {}, [el("figcaption", { text: panel.title }), cv]));
    }, this);
    this.drawTargets();
  };

  Player.prototype.drawTargets = function () {
    var m = this.model;
    this.targetsEl.textContent = "";
    this.targetCanvases = [];
    if (m.task !== "morph") return;
    var t = this.index.tasks.morph, tg = decodeArray(t.targets), T = tg.shape[0], H = tg.shape[1], W = tg.shape[2];
    var every = m.training && m.training.t ? m.training.t : 1;
    for (var k = 0; k < T; k++) {
      var cv = el("canvas", { width: String(W), height: String(H) });
      cv.style.width = W + "px";
      var ctx = cv.getContext("2d"), img = ctx.createImageData(W, H), off = k * H * W * 4;
      putComposite(img.data, W, 0, 0, H, W, function (p, v) {
        for (var c = 0; c < 4; c++) v[c] = tg.data[off + p * 4 + c] / 255;
      });
      ctx.putImageData(img, 0, 0);
      this.targetCanvases.push({ canvas: cv, n: k * every });
      this.targetsEl.appendChild(el("figure", {}, [cv, el("figcaption", { text: t.target_names[k] + ", n = " + k * every })]));
    }
  };

  Player.prototype.render = function () {
    if (!this.nca || !this.grid) return;
    var W = this.grid.W;
    this.grid.panels.forEach(function (panel) {
      panel.draw(panel.image.data, W, 0, 0);
      panel.ctx.putImageData(panel.image, 0, 0);
    });
    this.stepEl.textContent = "n = " + this.nca.steps;
    this.rateEl.textContent = this.playing && this.stepsPerSecond ? this.stepsPerSecond.toFixed(1) + " steps/s" : "\u00a0";
    var n = this.nca.steps, self = this;
    (this.targetCanvases || []).forEach(function (tc, k) {
      var next = k + 1 < self.targetCanvases.length ? self.targetCanvases[k + 1].n : Infinity;
      tc.canvas.classList.toggle("nca-now", n >= tc.n && n < next);
    });
    if (this.pde) {
      var x = this.nca.state, y = this.pde.state, C = this.model.channels, N = this.nca.H * this.nca.W;
      var mA = 0, mB = 0;
      for (var p = 0; p < N; p++) {
        var dA = Math.abs(x[p * C] - y[p * 2]), dB = Math.abs(x[p * C + 1] - y[p * 2 + 1]);
        if (dA > mA || !(dA === dA)) mA = dA;
        if (dB > mB || !(dB === dB)) mB = dB;
      }
      this.statsEl.textContent = "max |NCA − PDE|: A " + mA.toFixed(3) + ", B " + mB.toFixed(3);
    } else this.statsEl.textContent = "";
  };

  /** Run `n` steps of the NCA (and of the PDE beside it). */
  Player.prototype.advance = function (n) {
    for (var k = 0; k < n; k++) {
      this.nca.step();
      if (this.pde) this.pde.step();
    }
    var big = maxAbs(this.nca.state);
    if (!(big <= 1e3)) {
      this.diverged = true;
      this.statusEl.textContent = "The NCA state has blown up (|x| > 1000 or not finite) at n = " + this.nca.steps +
        "; press reset.";
      this.pause();
    }
  };

  Player.prototype.play = function () {
    if (!this.nca || this.diverged) return;
    var self = this;
    this.playing = true;
    this.playBtn.textContent = "❚❚ pause";
    var last = null;
    function frame(now) {
      if (!self.playing) return;
      var t0 = performance.now(), done = 0;
      while (done < self.speed && self.playing) {
        self.advance(1);
        done += 1;
        if (performance.now() - t0 > 45) break; // keep the page responsive with large models
      }
      var dt = performance.now() - t0;
      if (dt > 0) {
        var rate = 1000 * done / (last === null ? dt : Math.max(dt, now - last));
        self.stepsPerSecond = self.stepsPerSecond ? 0.8 * self.stepsPerSecond + 0.2 * rate : rate;
      }
      last = now;
      self.render();
      self.frameId = global.requestAnimationFrame(frame);
    }
    this.frameId = global.requestAnimationFrame(frame);
  };

  Player.prototype.pause = function () {
    this.playing = false;
    if (this.frameId !== null) global.cancelAnimationFrame(this.frameId);
    this.frameId = null;
    if (this.playBtn) this.playBtn.textContent = "▶ play";
  };

  /** Lattice cell (row, col) under a pointer event on a panel, or null outside it. */
  Player.prototype.cellAt = function (ev) {
    var g = this.grid, cv = ev.target, r = cv.getBoundingClientRect();
    if (!cv.classList || !cv.classList.contains("nca-lattice")) return null;
    var col = Math.floor((ev.clientX - r.left) / r.width * g.W), row = Math.floor((ev.clientY - r.top) / r.height * g.H);
    return row < 0 || col < 0 || row >= g.H || col >= g.W ? null : [row, col];
  };

  /** Edit under the pointer; while dragging, also along the segment from the previous cell (no gaps). */
  Player.prototype.pointer = function (ev) {
    var cell = this.cellAt(ev);
    if (!cell) { this.lastCell = null; return; }
    var from = this.lastCell || cell, dr = cell[0] - from[0], dc = cell[1] - from[1];
    var n = Math.max(1, Math.ceil(Math.sqrt(dr * dr + dc * dc) / Math.max(1, this.radius / 2)));
    for (var k = 1; k <= n; k++) {
      this.edit(Math.round(from[0] + dr * k / n), Math.round(from[1] + dc * k / n), this.radius, this.tool);
    }
    this.lastCell = cell;
    this.render();
  };

  /**
   * Change the disc of `radius` around (row, col): erase (morph: every channel 0; Gray-Scott: the
   * uniform state A = 1, B = 0) or paint (morph: the colour, opaque, hidden channels kept;
   * Gray-Scott: A = 0, B = 1). The Gray-Scott NCA and PDE are changed alike; hidden channels of
   * the Gray-Scott NCA are set to 0, as in the initial conditions.
   */
  Player.prototype.edit = function (row, col, radius, tool) {
    var m = this.model, nca = this.nca, C = m.channels, H = nca.H, W = nca.W, x = nca.state;
    var r2 = radius * radius, colour = this.colour;
    for (var i = Math.max(0, Math.floor(row - radius)); i <= Math.min(H - 1, Math.ceil(row + radius)); i++) {
      for (var j = Math.max(0, Math.floor(col - radius)); j <= Math.min(W - 1, Math.ceil(col + radius)); j++) {
        if ((i - row) * (i - row) + (j - col) * (j - col) > r2) continue;
        var p = i * W + j, c;
        if (m.task === "morph") {
          if (tool === "paint") { for (c = 0; c < 3; c++) x[p * C + c] = colour[c]; x[p * C + 3] = 1; }
          else for (c = 0; c < C; c++) x[p * C + c] = 0;
        } else {
          var a = tool === "paint" ? 0 : 1;
          for (c = 0; c < C; c++) x[p * C + c] = 0;
          x[p * C] = a; x[p * C + 1] = 1 - a;
          this.pde.state[p * 2] = a; this.pde.state[p * 2 + 1] = 1 - a;
        }
      }
    }
  };

  function mountAll() {
    var style = document.getElementById("nca-player-style");
    if (!style) {
      style = el("style", { id: "nca-player-style" });
      style.textContent = CSS;
      document.head.appendChild(style);
    }
    Array.prototype.forEach.call(document.querySelectorAll(".nca-player"), function (root) {
      if (root.ncaPlayer) return;
      var base = new URL(root.getAttribute("data-models") || "models/", SCRIPT_URL).href;
      if (base.charAt(base.length - 1) !== "/") base += "/";
      root.ncaPlayer = new Player(root, base);
      root.ncaPlayer.start();
    });
  }

  global.NCAPlayer = {
    FORMAT: FORMAT,
    decodeArray: decodeArray,
    loadData: loadData,
    makeRng: makeRng,
    prepareModel: prepareModel,
    NCASim: NCASim,
    GrayScott: GrayScott,
    fromA: fromA,
    maxAbs: maxAbs,
    Player: Player,
    instances: Player.instances,
    mountAll: mountAll
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})(window);
