// galaxyreel preview: a small canvas-2D 3D viewer for a run's response surfaces and t-SNE
// tracks. No libraries and no network: the page must open from a file anywhere. Canvas 2D
// rather than WebGL because headless and remote browsers often have no GPU, and ~250 ridge
// lines plus 1000 depth-sorted discs draw in a few milliseconds on a CPU.
(function () {
  'use strict';

  const D = JSON.parse(document.getElementById('gr-data').textContent);
  const COL = { 1: [74, 163, 255], 0: [255, 207, 63], wrong: [255, 75, 75] };
  const STAGE_COL = '#ff8a5c';
  const NAMES = D.class_names;
  const $ = (id) => document.getElementById(id);
  const css = (c, a) => (a === undefined
    ? `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`
    : `rgba(${c[0] | 0},${c[1] | 0},${c[2] | 0},${a})`);
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  const num = (x, d) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
  const clamp = (x, a, b) => Math.min(b, Math.max(a, x));
  const ease = (s) => (s < 0.5 ? 4 * s * s * s : 1 - Math.pow(-2 * s + 2, 3) / 2);

  function decode(a) {
    const bin = atob(a.b64);
    const u8 = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    if (a.dtype === 'u1') return u8;
    if (a.dtype === 'u2') return new Uint16Array(u8.buffer);
    if (a.dtype === 'f4') return new Float32Array(u8.buffer);
    throw new Error('unknown dtype ' + a.dtype);
  }

  // ------------------------------------------------------------------ orbit camera + canvas

  class Orbit {
    constructor(canvas, home, draw) {
      this.canvas = canvas;
      this.ctx = canvas.getContext('2d');
      this.home = home;
      this.draw = draw;
      this.fov = 0.75;
      this.frameMs = 0;
      this.frames = 0;
      this.pending = false;
      this.w = 1;
      this.h = 1;
      this.dpr = 1;
      this.onHover = null;
      this.reset();
      let drag = null;
      canvas.addEventListener('pointerdown', (e) => {
        drag = { x: e.clientX, y: e.clientY };
        canvas.setPointerCapture(e.pointerId);
        canvas.classList.add('dragging');
        if (this.onHover) this.onHover(null);
      });
      canvas.addEventListener('pointermove', (e) => {
        if (drag) {
          this.yaw -= (e.clientX - drag.x) * 0.008;
          this.pitch = clamp(this.pitch + (e.clientY - drag.y) * 0.006, -1.45, 1.45);
          drag = { x: e.clientX, y: e.clientY };
          this.update();
        } else if (this.onHover) {
          const r = canvas.getBoundingClientRect();
          this.onHover({ x: e.clientX - r.left, y: e.clientY - r.top });
        }
      });
      const end = (e) => {
        drag = null;
        canvas.classList.remove('dragging');
        if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
      };
      canvas.addEventListener('pointerup', end);
      canvas.addEventListener('pointercancel', end);
      canvas.addEventListener('pointerleave', () => { if (!drag && this.onHover) this.onHover(null); });
      canvas.addEventListener('wheel', (e) => {
        e.preventDefault();
        this.dist = clamp(this.dist * Math.exp(e.deltaY * 0.0012), this.home.dist * 0.3, this.home.dist * 3);
        this.update();
      }, { passive: false });
      canvas.addEventListener('dblclick', () => { this.reset(); this.update(); });
      new ResizeObserver(() => this.resize()).observe(canvas);
      this.resize();
    }

    reset() {
      this.yaw = this.home.yaw;
      this.pitch = this.home.pitch;
      this.dist = this.home.dist;
      this.target = this.home.target.slice();
    }

    resize() {
      const r = this.canvas.getBoundingClientRect();
      this.dpr = window.devicePixelRatio || 1;
      this.w = Math.max(1, r.width);
      this.h = Math.max(1, r.height);
      this.canvas.width = Math.round(this.w * this.dpr);
      this.canvas.height = Math.round(this.h * this.dpr);
      this.update();
    }

    update() {
      const cp = Math.cos(this.pitch);
      const t = this.target;
      const e = [t[0] + this.dist * cp * Math.cos(this.yaw), t[1] + this.dist * cp * Math.sin(this.yaw),
        t[2] + this.dist * Math.sin(this.pitch)];
      const f = [t[0] - e[0], t[1] - e[1], t[2] - e[2]];
      const fl = Math.hypot(f[0], f[1], f[2]);
      f[0] /= fl; f[1] /= fl; f[2] /= fl;
      const r = [f[1], -f[0], 0]; // f x z-up
      const rl = Math.hypot(r[0], r[1]) || 1;
      r[0] /= rl; r[1] /= rl;
      const u = [r[1] * f[2] - r[2] * f[1], r[2] * f[0] - r[0] * f[2], r[0] * f[1] - r[1] * f[0]];
      this.eye = e; this.f = f; this.r = r; this.u = u;
      this.focal = 0.5 * this.h / Math.tan(this.fov / 2);
      this.request();
    }

    // Screen position (CSS px inside the canvas) and depth of a world point, into out[o..o+2].
    project(x, y, z, out, o) {
      const dx = x - this.eye[0], dy = y - this.eye[1], dz = z - this.eye[2];
      const zc = Math.max(1e-3, dx * this.f[0] + dy * this.f[1] + dz * this.f[2]);
      const k = this.focal / zc;
      out[o] = this.w / 2 + k * (dx * this.r[0] + dy * this.r[1] + dz * this.r[2]);
      out[o + 1] = this.h / 2 - k * (dx * this.u[0] + dy * this.u[1] + dz * this.u[2]);
      out[o + 2] = zc;
    }

    request() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.render(); });
    }

    render() {
      const t0 = performance.now();
      const c = this.ctx;
      c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      c.clearRect(0, 0, this.w, this.h);
      this.draw(c, this);
      this.frameMs = performance.now() - t0;
      this.frames += 1;
    }
  }

  function text(c, cam, s, x, y, z, color, align, font) {
    const p = [0, 0, 0];
    cam.project(x, y, z, p, 0);
    c.font = font || '11px "DejaVu Sans", sans-serif';
    c.fillStyle = color;
    c.textAlign = align || 'left';
    c.fillText(s, p[0], p[1]);
  }

  function line3(c, cam, a, b, color, width, dash) {
    const p = [0, 0, 0, 0, 0, 0];
    cam.project(a[0], a[1], a[2], p, 0);
    cam.project(b[0], b[1], b[2], p, 3);
    c.strokeStyle = color;
    c.lineWidth = width || 1;
    c.setLineDash(dash || []);
    c.beginPath();
    c.moveTo(p[0], p[1]);
    c.lineTo(p[3], p[4]);
    c.stroke();
    c.setLineDash([]);
  }

  // ------------------------------------------------------------------ shared state

  const CK = D.checkpoints;
  const K = CK.step.length;
  const tracks = D.tracks;
  const cat = D.catalog;
  const N = cat.shown;
  const state = { ck: 0, playing: false, anim: null, hovered: -1, surfMode: 'side', lastTransitionFrames: 0 };
  const listeners = [];

  // ------------------------------------------------------------------ response surfaces

  const S = D.surfaces;
  const R = S.rows, C = S.cols;
  const HZ = 0.9; // height of the tallest activation, world units
  const surf = S.probes.map((p) => {
    const col = COL[p.label] || [200, 200, 200];
    return { ...p, h: decode(p.heights), col, dark: col.map((v) => v * 0.12 + 6),
      mid: col.map((v) => v * 0.85), light: col.map((v) => v + (255 - v) * 0.35) };
  });
  const rowY = (r) => (R > 1 ? 1.1 - 2.2 * r / (R - 1) : 0); // latest iteration nearest the camera
  const colX = (j) => (C > 1 ? -1 + 2 * j / (C - 1) : 0);
  const stageRows = []; // first row of each new stage
  for (let r = 1; r < R; r++) if (S.row_stage[r] !== S.row_stage[r - 1]) stageRows.push(r);
  const eventFor = (stage) => S.events.find((e) => e.stage === stage);

  function surfOffsets() {
    if (state.surfMode === 'overlay') return surf.map(() => 0);
    const n = surf.length;
    return surf.map((_, i) => (i - (n - 1) / 2) * 2.2);
  }

  const surfCam = new Orbit($('surf-canvas'),
    { yaw: -Math.PI / 2 - 0.24, pitch: 0.74, dist: 5.5, target: [0, 0.1, 0.25] }, drawSurfaces);

  function drawSurfaces(c, cam) {
    const offs = surfOffsets();
    const overlay = state.surfMode === 'overlay';
    const ckRow = CK.row[state.ck];
    const pts = new Float32Array(C * 3);
    const base = [0, 0, 0, 0, 0, 0];
    const top = [0, 0, 0];
    // floors, stage bands and axes first (they lie under everything)
    surf.forEach((s, i) => {
      if (overlay && i > 0) return;
      const x0 = offs[i];
      const corners = [[x0 - 1, -1.1, 0], [x0 + 1, -1.1, 0], [x0 + 1, 1.1, 0], [x0 - 1, 1.1, 0]];
      c.beginPath();
      corners.forEach((q, k) => {
        cam.project(q[0], q[1], q[2], base, 0);
        if (k) c.lineTo(base[0], base[1]); else c.moveTo(base[0], base[1]);
      });
      c.closePath();
      c.fillStyle = 'rgba(120,140,190,0.05)';
      c.fill();
      c.strokeStyle = 'rgba(140,155,190,0.35)';
      c.lineWidth = 1;
      c.stroke();
      for (const r of stageRows) {
        const y = (rowY(r) + rowY(r - 1)) / 2;
        line3(c, cam, [x0 - 1, y, 0], [x0 + 1, y, 0], STAGE_COL, 1.5, [5, 4]);
      }
    });
    // rows of every surface, far to near (painter's algorithm over ridge lines)
    const items = [];
    surf.forEach((s, i) => {
      for (let r = 0; r < R; r++) {
        cam.project(offs[i], rowY(r), HZ * 0.3, base, 0);
        items.push({ i, r, z: base[2] + (overlay ? i * 1e-4 : 0) });
      }
    });
    items.sort((a, b) => b.z - a.z);
    for (const it of items) {
      const s = surf[it.i];
      const x0 = offs[it.i];
      const y = rowY(it.r);
      const h = s.h;
      const o = it.r * C;
      for (let j = 0; j < C; j++) cam.project(x0 + colX(j), y, (h[o + j] / 255) * HZ, pts, 3 * j);
      cam.project(x0 + colX(C - 1), y, 0, base, 0);
      cam.project(x0 + colX(0), y, 0, base, 3);
      c.beginPath();
      c.moveTo(pts[0], pts[1]);
      for (let j = 1; j < C; j++) c.lineTo(pts[3 * j], pts[3 * j + 1]);
      const curve = new Path2D();
      curve.moveTo(pts[0], pts[1]);
      for (let j = 1; j < C; j++) curve.lineTo(pts[3 * j], pts[3 * j + 1]);
      c.lineTo(base[0], base[1]);
      c.lineTo(base[3], base[4]);
      c.closePath();
      // shade by height: the fill runs from a dark base to the full colour at the top
      cam.project(x0, y, HZ, top, 0);
      const g = c.createLinearGradient(0, (base[1] + base[4]) / 2, 0, top[1]);
      g.addColorStop(0, css(s.dark, overlay ? 0.4 : 0.97));
      g.addColorStop(0.55, css(s.mid, overlay ? 0.45 : 0.97));
      g.addColorStop(1, css(s.light, overlay ? 0.5 : 0.97));
      c.fillStyle = g;
      c.fill();
      const isCk = it.r === ckRow;
      const isStage = stageRows.includes(it.r);
      c.lineWidth = isCk ? 1.2 : isStage ? 1.3 : 0.7;
      c.strokeStyle = isCk ? 'rgba(255,255,255,0.85)' : isStage ? STAGE_COL : overlay ? css(s.light, 0.8) : 'rgba(0,0,0,0.28)';
      c.stroke(curve);
    }
    // labels on top of everything
    surf.forEach((s, i) => {
      if (overlay && i > 0) return;
      const x0 = offs[i];
      const last = overlay || i === surf.length - 1;
      for (const r of stageRows) {
        const y = (rowY(r) + rowY(r - 1)) / 2;
        if (!last) continue;
        const ev = eventFor(S.row_stage[r]);
        const lab = `stage ${S.row_stage[r]}` + (ev ? ` · step ${ev.step}` : '');
        text(c, cam, lab, x0 + 1.06, y, 0, STAGE_COL, 'left');
      }
      text(c, cam, `units 1…${S.units}`, x0, -1.34, 0, '#8b94a7', 'center');
      if (i === 0) {
        text(c, cam, `step ${S.row_step[R - 1]}`, x0 - 1.06, rowY(R - 1), 0, '#8b94a7', 'right');
        text(c, cam, `step ${S.row_step[0]}`, x0 - 1.06, rowY(0), 0, '#8b94a7', 'right');
      }
    });
    // titles on the far edge
    surf.forEach((s, i) => {
      const title = `${NAMES[s.label] || s.label} probe · ${s.name}`;
      const z = overlay ? HZ + 0.15 + 0.12 * i : HZ + 0.15;
      text(c, cam, title, offs[i], 1.15, z, css(s.col), 'center', '600 12px "DejaVu Sans", sans-serif');
    });
  }

  $('surf-mode').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    state.surfMode = b.dataset.mode;
    for (const x of $('surf-mode').children) x.classList.toggle('on', x === b);
    surfCam.home.dist = state.surfMode === 'overlay' ? 4.4 : 5.5;
    surfCam.dist = surfCam.home.dist;
    surfCam.update();
  });
  $('surf-legend').innerHTML = surf.map((s) => `<span><i class="dot ${NAMES[s.label]}"></i>${NAMES[s.label]} probe</span>`).join('')
    + `<span><i class="dot" style="background:${STAGE_COL}"></i>unfreezing stage</span>`
    + '<span><i class="dot" style="background:#fff"></i>checkpoint</span>';
  $('surf-note').textContent = `${R} of ${S.iterations} recorded iterations shown`
    + (S.units_per_col > 1 ? `; each line point is the mean of ${S.units_per_col} adjacent units` : '')
    + `; height 0 = ${S.height_min.toFixed(2)}, top = ${S.height_max.toFixed(2)} (same scale for both probes).`;

  // ------------------------------------------------------------------ t-SNE tracks

  let pos = null, preds = null, ppred = null, disp = null, dcol = null, proj = null, order = null;
  if (tracks) {
    const q = decode(tracks.positions);
    pos = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) pos[i] = q[i] / 65535 * 2 - 1;
    disp = new Float32Array(N * 3);
    dcol = new Float32Array(N * 3);
    proj = new Float32Array(N * 3);
    order = new Uint32Array(N);
  }
  preds = decode(cat.predictions);
  ppred = decode(cat.p_pred);
  const atlas = new Image();
  let atlasReady = false;
  atlas.onload = () => { atlasReady = true; tsneCam.request(); };
  atlas.src = D.atlas.png;

  function targetColour(k, i) {
    const p = preds[k * N + i];
    return p === cat.labels[i] ? COL[p] : COL.wrong;
  }

  function setDisplay(k) {
    if (!tracks) return;
    disp.set(pos.subarray(k * N * 3, (k + 1) * N * 3));
    for (let i = 0; i < N; i++) dcol.set(targetColour(k, i), 3 * i);
  }

  const tsneCam = new Orbit($('tsne-canvas'),
    { yaw: -Math.PI / 2 - 0.5, pitch: 0.38, dist: 4.9, target: [0, 0, 0] }, drawTsne);

  function boxEdges(c, cam) {
    const v = [-1, 1];
    const col = 'rgba(140,155,190,0.28)';
    for (const a of v) for (const b of v) {
      line3(c, cam, [-1, a, b], [1, a, b], col);
      line3(c, cam, [a, -1, b], [a, 1, b], col);
      line3(c, cam, [a, b, -1], [a, b, 1], col);
    }
  }

  function drawTsne(c, cam) {
    if (!tracks) return;
    boxEdges(c, cam);
    const P = proj;
    for (let i = 0; i < N; i++) cam.project(disp[3 * i], disp[3 * i + 1], disp[3 * i + 2], P, 3 * i);
    if ($('show-trails').checked) {
      const q = [0, 0, 0];
      c.lineWidth = 1;
      for (let i = 0; i < N; i++) {
        c.strokeStyle = css(COL[cat.labels[i]], 0.16);
        c.beginPath();
        for (let k = 0; k < K; k++) {
          const o = (k * N + i) * 3;
          cam.project(pos[o], pos[o + 1], pos[o + 2], q, 0);
          if (k) c.lineTo(q[0], q[1]); else c.moveTo(q[0], q[1]);
        }
        c.stroke();
      }
    }
    for (let i = 0; i < N; i++) order[i] = i;
    order.sort((a, b) => P[3 * b + 2] - P[3 * a + 2]);
    const thumbs = $('show-thumbs').checked && atlasReady;
    const rw = N > 600 ? 0.024 : 0.032;
    const tile = D.atlas.tile, cols = D.atlas.cols;
    for (let n = 0; n < N; n++) {
      const i = order[n];
      const x = P[3 * i], y = P[3 * i + 1];
      const rad = Math.max(1.5, rw * cam.focal / P[3 * i + 2]);
      const col = [dcol[3 * i], dcol[3 * i + 1], dcol[3 * i + 2]];
      if (thumbs) {
        const sx = (i % cols) * tile, sy = Math.floor(i / cols) * tile;
        c.drawImage(atlas, sx, sy, tile, tile, x - rad * 1.4, y - rad * 1.4, rad * 2.8, rad * 2.8);
        c.strokeStyle = css(col);
        c.lineWidth = 1.5;
        c.strokeRect(x - rad * 1.4, y - rad * 1.4, rad * 2.8, rad * 2.8);
      } else {
        c.beginPath();
        c.arc(x, y, rad, 0, 2 * Math.PI);
        c.fillStyle = css(col);
        c.fill();
        c.lineWidth = 0.8;
        c.strokeStyle = 'rgba(0,0,0,0.55)';
        c.stroke();
      }
    }
    if (state.hovered >= 0) {
      const i = state.hovered;
      const rad = Math.max(4, rw * cam.focal / P[3 * i + 2]) + 4;
      c.beginPath();
      c.arc(P[3 * i], P[3 * i + 1], rad, 0, 2 * Math.PI);
      c.lineWidth = 2;
      c.strokeStyle = '#ffffff';
      c.stroke();
    }
  }

  function pick(mx, my) {
    if (!tracks) return -1;
    tsneCam.render(); // make proj/order current for this camera
    const rw = N > 600 ? 0.024 : 0.032;
    let best = -1;
    for (let n = N - 1; n >= 0; n--) { // nearest to the camera first
      const i = order[n];
      const rad = Math.max(4, rw * tsneCam.focal / proj[3 * i + 2]) + 2;
      if (Math.hypot(proj[3 * i] - mx, proj[3 * i + 1] - my) <= rad) { best = i; break; }
    }
    return best;
  }

  function showTip(i, at) {
    const tip = $('tip');
    if (i < 0) { tip.hidden = true; return; }
    const k = state.ck;
    const p = preds[k * N + i];
    const truth = cat.labels[i];
    const prob = ppred[k * N + i] / 255;
    const right = p === truth;
    tip.querySelector('.tip-text').innerHTML =
      `<b>${escapeHtml(cat.ids[i])}</b><br>`
      + `true: <span class="${NAMES[truth]}-t">${NAMES[truth]}</span><br>`
      + `predicted: <span class="${NAMES[p]}-t">${NAMES[p]}</span> (p = ${prob.toFixed(2)})<br>`
      + `<span class="${right ? 'ok' : 'wrong'}">${right ? 'correct' : 'misclassified'}</span>`
      + ` at checkpoint ${k}`;
    const tc = $('tip-thumb');
    const g = tc.getContext('2d');
    g.imageSmoothingEnabled = false;
    g.clearRect(0, 0, tc.width, tc.height);
    if (atlasReady) {
      const t = D.atlas.tile;
      g.drawImage(atlas, (i % D.atlas.cols) * t, Math.floor(i / D.atlas.cols) * t, t, t, 0, 0, tc.width, tc.height);
    }
    tc.style.borderColor = css(right ? COL[p] : COL.wrong);
    tip.hidden = false;
    if (at) {
      const view = tip.parentElement.getBoundingClientRect();
      const w = tip.offsetWidth, h = tip.offsetHeight;
      tip.style.left = `${clamp(at.x + 16, 4, view.width - w - 4)}px`;
      tip.style.top = `${clamp(at.y + 16, 4, view.height - h - 4)}px`;
    }
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]));
  }

  let lastHover = null;
  tsneCam.onHover = (at) => {
    lastHover = at;
    const i = at ? pick(at.x, at.y) : -1;
    if (i !== state.hovered) { state.hovered = i; tsneCam.request(); }
    showTip(i, at);
  };

  // ------------------------------------------------------------------ checkpoints

  function goTo(k, animate) {
    k = clamp(Math.round(k), 0, K - 1);
    const from = tracks ? Float32Array.from(disp) : null;
    const fromCol = tracks ? Float32Array.from(dcol) : null;
    state.ck = k;
    if (tracks && animate) {
      state.anim = { from, fromCol, t0: performance.now(), dur: 650, frames: 0 };
      requestAnimationFrame(tick);
    } else {
      state.anim = null;
      setDisplay(k);
    }
    $('ck-slider').value = String(k);
    listeners.forEach((f) => f(k));
    tsneCam.request();
    surfCam.request();
    if (state.hovered >= 0) showTip(state.hovered, lastHover);
  }

  function tick(now) {
    const a = state.anim;
    if (!a) return;
    const s = clamp((now - a.t0) / a.dur, 0, 1);
    const e = ease(s);
    const k = state.ck;
    const to = pos.subarray(k * N * 3, (k + 1) * N * 3);
    for (let j = 0; j < N * 3; j++) disp[j] = a.from[j] + (to[j] - a.from[j]) * e;
    for (let i = 0; i < N; i++) {
      const tc = targetColour(k, i);
      for (let d = 0; d < 3; d++) dcol[3 * i + d] = a.fromCol[3 * i + d] + (tc[d] - a.fromCol[3 * i + d]) * e;
    }
    tsneCam.render();
    a.frames += 1;
    state.lastTransitionFrames = a.frames;
    if (s < 1) requestAnimationFrame(tick);
    else state.anim = null;
  }

  let playTimer = null;
  function setPlaying(on) {
    state.playing = on;
    $('play').innerHTML = on ? '&#10074;&#10074;' : '&#9654;';
    $('play').setAttribute('aria-label', on ? 'pause' : 'play');
    clearInterval(playTimer);
    if (!on) return;
    if (state.ck >= K - 1) goTo(0, true);
    playTimer = setInterval(() => {
      if (state.ck >= K - 1) { setPlaying(false); return; }
      goTo(state.ck + 1, true);
    }, 1100);
  }

  const slider = $('ck-slider');
  slider.max = String(K - 1);
  slider.addEventListener('input', () => { setPlaying(false); goTo(Number(slider.value), true); });
  $('play').addEventListener('click', () => setPlaying(!state.playing));
  document.addEventListener('keydown', (e) => {
    if (e.target === slider || e.target.tagName === 'BUTTON') return;
    if (e.key === 'ArrowRight') goTo(state.ck + 1, true);
    else if (e.key === 'ArrowLeft') goTo(state.ck - 1, true);
    else if (e.key === ' ') { e.preventDefault(); setPlaying(!state.playing); }
  });
  $('show-trails').addEventListener('change', () => tsneCam.request());
  $('show-thumbs').addEventListener('change', () => tsneCam.request());

  listeners.push((k) => {
    $('ck-label').textContent = `checkpoint ${k}/${K - 1} · step ${CK.step[k]} · epoch ${CK.epoch[k].toFixed(2)} · acc ${pct(CK.accuracy[k])}`;
  });

  if (!tracks) {
    const m = $('tsne-missing');
    m.hidden = false;
    m.innerHTML = '<div>This run has no t-SNE tracks yet.<br>Run <code>galaxyreel project RUN.h5</code>, '
      + 'then rebuild this preview.<br>The slider still steps the accuracy and the surfaces\u2019 '
      + 'checkpoint row.</div>';
  }

  // ------------------------------------------------------------------ accuracy chart + tables

  function buildChart() {
    const svg = $('acc-chart');
    const W = 600, H = 220, L = 44, Rm = 14, T = 14, B = 34;
    const x = (k) => L + (K > 1 ? (k / (K - 1)) * (W - L - Rm) : (W - L - Rm) / 2);
    const y = (a) => T + (1 - a) * (H - T - B);
    let s = '';
    for (const a of [0, 0.25, 0.5, 0.75, 1]) {
      s += `<line x1="${L}" x2="${W - Rm}" y1="${y(a)}" y2="${y(a)}" stroke="${a === 0.5 ? '#3a4560' : '#1e2636'}" ${a === 0.5 ? 'stroke-dasharray="4 4"' : ''}/>`;
      s += `<text x="${L - 6}" y="${y(a) + 4}" fill="#8b94a7" font-size="11" text-anchor="end">${Math.round(a * 100)}%</text>`;
    }
    s += `<text x="${W - Rm}" y="${y(0.5) - 5}" fill="#5d6880" font-size="10" text-anchor="end">chance</text>`;
    for (const ev of S.events) { // place each unfreezing step between the checkpoints around it
      let k = 0;
      while (k < K - 1 && CK.step[k + 1] < ev.step) k++;
      const a = CK.step[k], b = CK.step[Math.min(K - 1, k + 1)];
      const f = b > a ? clamp((ev.step - a) / (b - a), 0, 1) : 0;
      const xe = x(k + f);
      s += `<line x1="${xe}" x2="${xe}" y1="${T}" y2="${H - B}" stroke="${STAGE_COL}" stroke-dasharray="3 3"/>`;
      s += `<text x="${xe + 4}" y="${H - B - 6}" fill="${STAGE_COL}" font-size="10">stage ${ev.stage}</text>`;
    }
    s += `<polyline fill="none" stroke="#c9d4ff" stroke-width="2" points="${CK.accuracy.map((a, k) => `${x(k)},${y(a)}`).join(' ')}"/>`;
    CK.accuracy.forEach((a, k) => {
      s += `<circle class="pt" data-k="${k}" cx="${x(k)}" cy="${y(a)}" r="5" fill="#10151f" stroke="#c9d4ff" stroke-width="2"><title>checkpoint ${k}: ${pct(a)}</title></circle>`;
      s += `<text x="${x(k)}" y="${H - B + 16}" fill="#8b94a7" font-size="10" text-anchor="middle">${CK.step[k]}</text>`;
    });
    s += `<text x="${(L + W - Rm) / 2}" y="${H - 4}" fill="#8b94a7" font-size="11" text-anchor="middle">checkpoint (training step)</text>`;
    svg.innerHTML = s;
    svg.addEventListener('click', (e) => {
      const t = e.target.closest('.pt');
      if (t) { setPlaying(false); goTo(Number(t.dataset.k), true); }
    });
    listeners.push((k) => {
      for (const c of svg.querySelectorAll('.pt')) {
        const on = Number(c.dataset.k) === k;
        c.setAttribute('r', on ? 7 : 5);
        c.setAttribute('fill', on ? '#c9d4ff' : '#10151f');
      }
    });
  }

  function buildTables() {
    const tw = tracks && tracks.trustworthiness, kn = tracks && tracks.knn_agreement;
    let h = '<tr><th>#</th><th>step</th><th>epoch</th><th>accuracy</th>'
      + (tw ? '<th>trust.</th>' : '') + (kn ? '<th>kNN</th>' : '') + '</tr>';
    for (let k = 0; k < K; k++) {
      h += `<tr data-k="${k}"><td>${k}</td><td>${CK.step[k]}</td><td>${CK.epoch[k].toFixed(2)}</td><td>${pct(CK.accuracy[k])}</td>`
        + (tw ? `<td>${num(tw[k], 3)}</td>` : '') + (kn ? `<td>${num(kn[k], 3)}</td>` : '') + '</tr>';
    }
    const t = $('ck-table');
    t.innerHTML = h;
    t.addEventListener('click', (e) => {
      const r = e.target.closest('tr[data-k]');
      if (r) { setPlaying(false); goTo(Number(r.dataset.k), true); }
    });
    listeners.push((k) => { for (const r of t.querySelectorAll('tr[data-k]')) r.classList.toggle('cur', Number(r.dataset.k) === k); });

    const rows = [];
    const fmt = (v) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
    for (const [key, v] of Object.entries(D.config || {})) rows.push([key, fmt(v)]);
    rows.push(['seed', String(D.seed)]);
    rows.push(['catalog', `${cat.total} galaxies` + (cat.shown < cat.total ? ` (${cat.shown} shown)` : '')
      + `, thumbnails ${cat.thumb_size[0]}×${cat.thumb_size[1]} px`]);
    rows.push(['surfaces', `${S.iterations} iterations × ${S.units} units, probes ${S.probes.map((p) => p.name).join(', ')}`]);
    rows.push(['projection', tracks ? `${tracks.method} ${JSON.stringify(tracks.params)}` : 'none (run galaxyreel project)']);
    for (const [key, v] of Object.entries(D.history || {})) if (v.length) rows.push([`final ${key}`, num(v[v.length - 1], 4)]);
    $('cfg-table').innerHTML = rows.map(([a, b]) => `<tr><th>${escapeHtml(a)}</th><td>${escapeHtml(b)}</td></tr>`).join('');
    $('events').innerHTML = S.events.length
      ? S.events.map((e) => `<li>stage ${e.stage} at step ${e.step} (epoch ${e.epoch.toFixed(2)}): ${escapeHtml(e.description)}</li>`).join('')
      : '<li class="muted">no unfreezing events recorded</li>';
  }

  const cfg = D.config || {};
  $('subtitle').textContent = [cfg.backbone ? `backbone ${cfg.backbone}` : null,
    `${cat.total} galaxies`, `${S.units} units`, `${S.iterations} iterations`, `${K} checkpoints`,
    `final accuracy ${pct(CK.accuracy[K - 1])}`].filter(Boolean).join(' · ');

  buildChart();
  buildTables();

  const q = new URLSearchParams(location.search);
  goTo(q.has('checkpoint') ? Number(q.get('checkpoint')) || 0 : K - 1, false);
  if (q.get('thumbs') === '1') $('show-thumbs').checked = true;
  if (q.get('tracks') === '1') $('show-trails').checked = true;

  // ------------------------------------------------------------------ read-only test hook

  window.galaxyreelPreview = Object.freeze({
    version: 1,
    state() {
      const r = tsneCam.canvas.getBoundingClientRect();
      const pts = [];
      if (tracks) {
        const p = [0, 0, 0];
        for (let i = 0; i < Math.min(N, 8); i++) {
          tsneCam.project(disp[3 * i], disp[3 * i + 1], disp[3 * i + 2], p, 0);
          pts.push({ index: i, id: cat.ids[i], clientX: r.left + p[0], clientY: r.top + p[1], depth: p[2] });
        }
      }
      return {
        checkpoint: state.ck,
        checkpoints: K,
        animating: state.anim !== null,
        playing: state.playing,
        tracks: !!tracks,
        points: N,
        projected: pts,
        hovered: state.hovered >= 0 ? cat.ids[state.hovered] : null,
        tooltipVisible: !$('tip').hidden,
        transitionFrames: state.lastTransitionFrames,
        surfaceRow: CK.row[state.ck],
        surfaceMode: state.surfMode,
        frameMs: { surfaces: surfCam.frameMs, tsne: tsneCam.frameMs },
        frames: { surfaces: surfCam.frames, tsne: tsneCam.frames },
      };
    },
    // Mean draw time (ms) of each view over n redraws of the current state (for bench/preview.py).
    timeFrames(n) {
      const time = (cam) => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) cam.render();
        return (performance.now() - t0) / n;
      };
      return { surfaces: time(surfCam), tsne: time(tsneCam) };
    },
    // Screen position of galaxy i (viewport CSS px), for pointing at it with a real mouse.
    locate(i) {
      if (!tracks || i < 0 || i >= N) return null;
      const r = tsneCam.canvas.getBoundingClientRect();
      const p = [0, 0, 0];
      tsneCam.project(disp[3 * i], disp[3 * i + 1], disp[3 * i + 2], p, 0);
      return { clientX: r.left + p[0], clientY: r.top + p[1] };
    },
  });
})();
