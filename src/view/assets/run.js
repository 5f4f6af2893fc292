// tokensim run page: draws the embedded run (#run-data) as lanes over simulated time.
//
// Only the visible time window is drawn, into one SVG, on every zoom, pan or filter change.
// When too many messages would be visible, they are drawn as per-lane density instead of
// arrows, so long runs stay quick. Hovering is a hit test against what was drawn (nearest
// arrow, span or mark), not per-element events, so thin arrows are easy to hover.
// The URL fragment #selftest makes the page exercise its own filters and zoom and write the
// results into #selftest-result, for the browser tests.
(function () {
  'use strict';

  // Timings for people measuring the page: when the script started, parsing, first render.
  var startedAt = performance.now();
  var D = JSON.parse(document.getElementById('run-data').textContent);
  var parsedAt = performance.now();
  if (D.format !== 1) { throw new Error('page data format ' + D.format + ' is not the supported 1'); }

  // ---- Constants of the drawing ------------------------------------------------------
  var AXIS = 30, LANE = 54, GUTTER = 118, RIGHT = 14, BOTTOM = 8;
  var BAND_TOP = 4, BAND_H = 15;          // request spans: a band at the top of each lane
  var ANCHOR = 36;                        // where arrows meet a lane, from its top
  var MAX_ARROWS = 1800;                  // more visible messages than this: density
  var BIN_PX = 3;                         // density bins
  var MIN_WINDOW = 20;                    // µs: the deepest zoom
  var KIND_FAMILY = [0, 0, 1, 1, 2, 3, 3, 3, 3, 3, 2, 3, 3, 3]; // read/write/refusal/reconfiguration
  var FATE_WORDS = ['delivered', 'lost: omission at the sender', 'lost: omission at the receiver',
    'lost: link loss', 'lost: partition', 'still in flight when the run ended', 'lost: the receiver was down'];
  var CLASS_WORDS = ['ok', 'refused', 'role change took effect', 'never answered'];

  var S = D.strings, run = D.run, END = Math.max(1, run.end);
  var lanes = D.lanes, nL = lanes.length;

  // ---- Decode the columns ------------------------------------------------------------
  var M = D.msgs, nM = M.t.length;
  var mS = new Float64Array(nM), mE = new Float64Array(nM);
  (function () {
    var t = 0;
    for (var i = 0; i < nM; i++) { t += M.t[i]; mS[i] = t; mE[i] = t + M.d[i]; }
  })();
  // Most messages are short; a few (in flight at the end, late duplicates) span far. The
  // window query scans the short ones by send time and the long ones separately.
  var spanLimit = 0, longOnes = [];
  (function () {
    if (nM === 0) { return; }
    var spans = Array.from(M.d).sort(function (a, b) { return a - b; });
    spanLimit = spans[Math.min(nM - 1, Math.floor(nM * 0.999))];
    for (var i = 0; i < nM; i++) { if (M.d[i] > spanLimit) { longOnes.push(i); } }
  })();

  var R = D.reqs, nR = R.lane.length;
  var rSub = R.sub, rBeg = new Float64Array(nR), rEnd = new Float64Array(nR);
  var reqName = new Array(nR), reqMsgs = new Array(nR);
  for (var r = 0; r < nR; r++) {
    rBeg[r] = R.start[r] >= 0 ? R.start[r] : R.sub[r];
    rEnd[r] = R.end[r] >= 0 ? R.end[r] : END;
    reqName[r] = lanes[R.lane[r]].name + '#' + R.seq[r];
    reqMsgs[r] = [];
  }
  for (var i0 = 0; i0 < nM; i0++) { if (M.req[i0] >= 0) { reqMsgs[M.req[i0]].push(i0); } }
  var reqByName = {};
  for (var r1 = 0; r1 < nR; r1++) { reqByName[reqName[r1]] = r1; }

  var T = D.timers, nT = T.t.length, tAt = new Float64Array(nT);
  (function () { var t = 0; for (var i = 0; i < nT; i++) { t += T.t[i]; tAt[i] = t; } })();

  // Requests involved in a violation; the first violation's give the initial window.
  var violReq = new Uint8Array(nR);
  D.violations.forEach(function (v) { v.ops.forEach(function (r) { if (r >= 0) { violReq[r] = 1; } }); });

  // Messages per lane, for the node chips' tooltips.
  var laneMsgs = new Array(nL).fill(0);
  for (var i1 = 0; i1 < nM; i1++) { laneMsgs[M.from[i1]]++; if (M.to[i1] !== M.from[i1]) { laneMsgs[M.to[i1]]++; } }

  // ---- State -------------------------------------------------------------------------
  var view = { t0: 0, t1: END };
  var filter = { nodes: [], token: null, req: null, data: true, reconfig: true, timers: true, lossesOnly: false };
  var selected = -1;       // the request clicked, whose details are shown
  // Requests whose messages are highlighted (the rest dimmed): the clicked one, or at first
  // the requests of the violation, so that the story of what went wrong stands out.
  var focusMask = new Uint8Array(nR), focused = 0;
  var reqAllowed = null;   // Uint8Array when a token or request filter is on
  var drawn = null;        // what the last render drew, for hit tests and the self-test

  var chart = document.getElementById('chart');
  var plot = document.getElementById('plot');
  var overview = document.getElementById('overview');
  var tooltip = document.getElementById('tooltip');
  var statusLine = document.getElementById('status');
  var details = document.getElementById('details');
  var windowText = document.getElementById('window-text');
  var problem = document.getElementById('filter-problem');

  // ---- Small helpers -----------------------------------------------------------------
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  // Simulated µs as seconds with the precision that the current zoom needs.
  function secs(us, digits) {
    var d = digits === undefined ? 6 : digits;
    return (us / 1e6).toFixed(d) + ' s';
  }
  function dur(us) {
    if (us < 1000) { return Math.round(us) + ' µs'; }
    if (us < 1e6) { return (us / 1000).toFixed(us < 1e4 ? 3 : 1) + ' ms'; }
    return (us / 1e6).toFixed(3) + ' s';
  }
  function lowerBound(arr, value) {
    var lo = 0, hi = arr.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (arr[mid] < value) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  }
  function plotWidth() { return Math.max(200, (plot.clientWidth || 1200) - GUTTER - RIGHT); }
  function xOf(t, pw) { return GUTTER + (t - view.t0) / (view.t1 - view.t0) * pw; }
  function familyShown(kind) {
    var family = KIND_FAMILY[kind] || 0;
    return family === 3 ? filter.reconfig : filter.data;
  }
  // Clip a segment to the horizontal band [xa, xb]; null when it lies outside.
  function clipSegment(x1, y1, x2, y2, xa, xb) {
    if ((x1 < xa && x2 < xa) || (x1 > xb && x2 > xb)) { return null; }
    var dx = x2 - x1;
    if (dx !== 0) {
      if (x1 < xa) { y1 += (xa - x1) / dx * (y2 - y1); x1 = xa; }
      if (x1 > xb) { y1 += (xb - x1) / dx * (y2 - y1); x1 = xb; }
      if (x2 < xa) { y2 += (xa - x2) / dx * (y2 - y1); x2 = xa; }
      if (x2 > xb) { y2 += (xb - x2) / dx * (y2 - y1); x2 = xb; }
    }
    return [x1, y1, x2, y2];
  }
  function f1(n) { return Math.round(n * 10) / 10; }

  // ---- Filters -----------------------------------------------------------------------
  function laneShown(lane) { return filter.nodes.length === 0 || filter.nodes.indexOf(lane) >= 0; }
  function recomputeAllowed() {
    if (filter.token === null && filter.req === null) { reqAllowed = null; return; }
    reqAllowed = new Uint8Array(nR);
    for (var r = 0; r < nR; r++) {
      var ok = true;
      if (filter.req !== null && r !== filter.req) { ok = false; }
      if (ok && filter.token !== null && R.tokens[r].indexOf(filter.token) < 0) { ok = false; }
      reqAllowed[r] = ok ? 1 : 0;
    }
  }
  function messageShown(i) {
    if (!familyShown(M.kind[i])) { return false; }
    var fate = M.fate[i] & 7;
    if (filter.lossesOnly && (fate === 0 || fate === 5)) { return false; }
    if (reqAllowed !== null && (M.req[i] < 0 || !reqAllowed[M.req[i]])) { return false; }
    return laneShown(M.from[i]) || laneShown(M.to[i]);
  }
  function requestShown(r) { return laneShown(R.lane[r]) && (reqAllowed === null || reqAllowed[r] === 1); }

  // ---- The window --------------------------------------------------------------------
  // Move the window to [t0, t1] (µs), within the run and no narrower than MIN_WINDOW, and
  // draw it: now, or with `soon` at the next frame, so that a burst of wheel or drag events
  // draws once per frame.
  var renderPending = false;
  function setWindow(t0, t1, soon) {
    var full = END * 1.02 + 1;
    var width = Math.max(MIN_WINDOW, Math.min(full, t1 - t0));
    var start = t0 + ((t1 - t0) - width) / 2;
    start = Math.max(-0.01 * END, Math.min(start, full - width));
    view.t0 = start; view.t1 = start + width;
    if (!soon) { render(); return; }
    if (!renderPending) {
      renderPending = true;
      requestAnimationFrame(function () { renderPending = false; render(); });
    }
  }
  function zoom(factor, at, soon) {
    var anchor = at === undefined ? (view.t0 + view.t1) / 2 : at;
    setWindow(anchor - (anchor - view.t0) * factor, anchor + (view.t1 - anchor) * factor, soon);
  }
  function pan(fraction, soon) {
    var shift = (view.t1 - view.t0) * fraction;
    setWindow(view.t0 + shift, view.t1 + shift, soon);
  }
  function fit() { setWindow(-0.005 * END, END * 1.01); }
  // The window around some requests (and an instant), padded so that their context shows.
  function windowAround(reqs, at) {
    var lo = Infinity, hi = -Infinity;
    reqs.forEach(function (r) { lo = Math.min(lo, rSub[r], rBeg[r]); hi = Math.max(hi, rEnd[r]); });
    if (at !== null && at !== undefined) { lo = Math.min(lo, at); hi = Math.max(hi, at); }
    if (!isFinite(lo)) { return null; }
    var width = Math.max(hi - lo, 2000);
    return [lo - width * 0.2, hi + width * 0.2];
  }
  function violationWindow() {
    for (var k = 0; k < D.violations.length; k++) {
      var v = D.violations[k];
      var w = windowAround(v.ops.filter(function (r) { return r >= 0; }), v.at);
      if (w) { return w; }
    }
    return null;
  }
  function showViolation() {
    focusViolation();
    var w = violationWindow();
    if (w) { setWindow(w[0], w[1]); } else { fit(); }
  }

  // ---- Rendering ---------------------------------------------------------------------
  function niceStep(span, pixels) {
    var raw = span / Math.max(1, pixels / 110);
    var power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    var steps = [1, 2, 5, 10];
    for (var k = 0; k < steps.length; k++) { if (steps[k] * power >= raw) { return steps[k] * power; } }
    return 10 * power;
  }

  function render() {
    var pw = plotWidth(), W = GUTTER + pw + RIGHT;
    var visible = [], pos = new Int32Array(nL).fill(-1);
    for (var l = 0; l < nL; l++) { if (laneShown(l)) { pos[l] = visible.length; visible.push(l); } }
    var H = AXIS + visible.length * LANE + BOTTOM;
    function laneTop(lane) { return AXIS + pos[lane] * LANE; }
    function anchorY(lane) { return laneTop(lane) + ANCHOR; }
    var xa = GUTTER - 2, xb = GUTTER + pw + 2;
    var out = [], marks = [], state = { lanes: visible.slice(), arrows: [], spans: [], queued: [], violations: [], troubles: [], timers: [], roles: [], bins: [], aggregated: false };

    out.push('<defs>' +
      '<pattern id="hatch-omission" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="rgba(185,28,28,0.07)"/><line x1="0" y1="0" x2="0" y2="8" stroke="rgba(185,28,28,0.30)" stroke-width="3"/></pattern>' +
      '<pattern id="hatch-partition" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="8" height="8" fill="rgba(107,70,193,0.08)"/><line x1="0" y1="0" x2="0" y2="8" stroke="rgba(107,70,193,0.32)" stroke-width="3"/></pattern>' +
      ['k0', 'k1', 'k2', 'k3'].map(function (k) {
        return '<marker id="ah-' + k + '" viewBox="0 0 8 8" refX="7.5" refY="4" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0 0L8 4L0 8z" class="ah ' + k + '"/></marker>';
      }).join('') +
      '<clipPath id="plot-clip"><rect x="' + GUTTER + '" y="0" width="' + pw + '" height="' + H + '"/></clipPath></defs>');

    // Lanes: background by role (changing where a role change took effect), then labels.
    visible.forEach(function (lane) {
      var top = laneTop(lane), server = lanes[lane].server, t = -Infinity;
      var segments = [];
      D.roles.forEach(function (change) {
        if (change.lane !== lane) { return; }
        segments.push([t, change.at, server]); t = change.at; server = change.server;
      });
      segments.push([t, Infinity, server]);
      segments.forEach(function (seg) {
        var x1 = Math.max(xa, seg[0] === -Infinity ? xa : xOf(seg[0], pw));
        var x2 = Math.min(xb, seg[1] === Infinity ? xb : xOf(seg[1], pw));
        if (x2 > x1) {
          out.push('<rect x="' + f1(x1) + '" y="' + top + '" width="' + f1(x2 - x1) + '" height="' + LANE + '" class="' + (seg[2] ? 'lane-server' : 'lane-client') + '"/>');
        }
      });
      out.push('<line x1="0" x2="' + W + '" y1="' + (top + LANE) + '" y2="' + (top + LANE) + '" class="lane-sep"/>');
    });

    // Faults and partitions, shaded over their lanes.
    out.push('<g clip-path="url(#plot-clip)">');
    D.troubles.forEach(function (tr, index) {
      if (pos[tr.lane] < 0 || tr.to < view.t0 || tr.from > view.t1) { return; }
      var x1 = Math.max(xa, xOf(tr.from, pw)), x2 = Math.min(xb, xOf(tr.to, pw)), top = laneTop(tr.lane);
      out.push('<rect x="' + f1(x1) + '" y="' + (top + 1) + '" width="' + f1(Math.max(1, x2 - x1)) + '" height="' + (LANE - 2) + '" class="tr-' + tr.kind + '"/>');
      if (x2 - x1 > 140) { out.push('<text x="' + f1(x1 + 4) + '" y="' + (top + LANE - 4) + '" class="tr-label">' + esc(tr.label) + '</text>'); }
      state.troubles.push([index, x1, top, x2, top + LANE]);
    });

    // The time axis.
    var step = niceStep(view.t1 - view.t0, pw);
    var digits = Math.max(0, Math.min(6, 6 - Math.floor(Math.log10(step))));
    for (var tick = Math.ceil(view.t0 / step) * step; tick <= view.t1; tick += step) {
      var x = f1(xOf(tick, pw));
      out.push('<line x1="' + x + '" x2="' + x + '" y1="' + (AXIS - 6) + '" y2="' + H + '" class="tick"/>');
      out.push('<text x="' + x + '" y="' + (AXIS - 10) + '" class="tick-label" text-anchor="middle">' + secs(Math.max(0, tick), digits) + '</text>');
    }
    out.push('</g>');
    out.push('<line x1="' + GUTTER + '" x2="' + (GUTTER + pw) + '" y1="' + (AXIS - 6) + '" y2="' + (AXIS - 6) + '" class="axis-line"/>');

    // Role changes: a mark where the lane's role changes.
    D.roles.forEach(function (change, index) {
      if (pos[change.lane] < 0 || change.at < view.t0 || change.at > view.t1) { return; }
      var x = xOf(change.at, pw), top = laneTop(change.lane);
      marks.push('<line x1="' + f1(x) + '" x2="' + f1(x) + '" y1="' + top + '" y2="' + (top + LANE) + '" class="role-mark"/>');
      marks.push('<text x="' + f1(x + 3) + '" y="' + (top + LANE - 5) + '" class="role-text">→ ' + (change.server ? 'server' : 'client') + ' (e' + change.epoch + ')</text>');
      state.roles.push([index, x - 4, top, x + 4, top + LANE]);
    });

    // Requests: spans from start to answer, merged when smaller than a pixel.
    out.push('<g clip-path="url(#plot-clip)">');
    var lastSpan = {};
    for (var r = 0; r < nR; r++) {
      if (rEnd[r] < view.t0 || rSub[r] > view.t1 || !requestShown(r)) { continue; }
      var lane = R.lane[r], top = laneTop(lane) + BAND_TOP;
      var x1 = Math.max(xa, xOf(rBeg[r], pw)), x2 = Math.min(xb, xOf(rEnd[r], pw));
      var cls = 'req c' + R.class[r] + (violReq[r] ? ' viol' : '') + (focusMask[r] ? ' sel' : '');
      var wide = x2 - x1 >= 1.5 || violReq[r] || focusMask[r];
      if (R.start[r] < 0 && R.end[r] < 0) {
        // Never started: it waited in the client's queue behind a request that never
        // finished. Drawn as waiting only, so that queued requests do not pile up as spans.
        var xs = Math.max(xa, xOf(rSub[r], pw));
        out.push('<line x1="' + f1(xs) + '" x2="' + f1(x2) + '" y1="' + (top + BAND_H - 2) + '" y2="' + (top + BAND_H - 2) + '" class="req-wait never"/>');
        out.push('<circle cx="' + f1(xs) + '" cy="' + (top + BAND_H - 2) + '" r="2.5" class="req-queued' + (violReq[r] ? ' viol' : '') + '"/>');
        state.queued.push({ r: r, x1: xs - 3, x2: x2, top: top + BAND_H - 6, count: 1 });
        continue;
      }
      var key = lane + ':' + R.class[r];
      if (!wide && lastSpan[key] && x1 <= lastSpan[key].x2 + 1) {
        lastSpan[key].x2 = Math.max(lastSpan[key].x2, x2 + 1); lastSpan[key].count++; continue;
      }
      if (rSub[r] < rBeg[r]) {
        var xw = Math.max(xa, xOf(rSub[r], pw));
        if (x1 - xw > 1) { out.push('<line x1="' + f1(xw) + '" x2="' + f1(x1) + '" y1="' + (top + BAND_H / 2) + '" y2="' + (top + BAND_H / 2) + '" class="req-wait"/>'); }
      }
      var span = { r: r, x1: x1, x2: Math.max(x2, x1 + 1), top: top, cls: cls, count: 1 };
      if (!wide) { lastSpan[key] = span; }
      state.spans.push(span);
    }
    state.spans.forEach(function (s) {
      out.push('<rect x="' + f1(s.x1) + '" y="' + s.top + '" width="' + f1(s.x2 - s.x1) + '" height="' + BAND_H + '" class="' + s.cls + '" data-r="' + s.r + '"/>');
      var room = s.x2 - s.x1 - 6;
      if (room > 40 && s.count === 1) {
        var r = s.r, text = reqName[r] + ' ' + S[R.what[r]] + (R.outcome[r] >= 0 ? ' = ' + S[R.outcome[r]] : ' (no answer)');
        var fits = Math.floor(room / 6.2);
        if (text.length > fits) { text = text.slice(0, Math.max(1, fits - 1)) + '…'; }
        out.push('<text x="' + f1(Math.max(s.x1, xa) + 3) + '" y="' + (s.top + BAND_H - 4) + '" class="req-text' + (violReq[r] ? ' viol' : '') + '">' + esc(text) + '</text>');
      }
    });
    out.push('</g>');

    // Messages: the short ones sent in [t0 - spanLimit, t1], and the long ones.
    var candidates = [];
    var from = lowerBound(mS, view.t0 - spanLimit - 1), to = lowerBound(mS, view.t1 + 1);
    for (var i = from; i < to; i++) { if (M.d[i] <= spanLimit && mE[i] >= view.t0 && messageShown(i)) { candidates.push(i); } }
    longOnes.forEach(function (i) { if (mS[i] <= view.t1 && mE[i] >= view.t0 && messageShown(i)) { candidates.push(i); } });
    state.considered = candidates.length;

    out.push('<g clip-path="url(#plot-clip)"' + (focused > 0 ? ' class="dim"' : '') + '>');
    if (candidates.length > MAX_ARROWS) {
      state.aggregated = true;
      drawDensity(candidates, visible, pos, pw, laneTop, out, state);
    } else {
      var highlighted = [];
      candidates.forEach(function (i) {
        if (focused > 0 && M.req[i] >= 0 && focusMask[M.req[i]]) { highlighted.push(i); return; }
        drawArrow(i, pos, pw, anchorY, xa, xb, out, state, '');
      });
      highlighted.forEach(function (i) { drawArrow(i, pos, pw, anchorY, xa, xb, out, state, ' hl'); });
      if (filter.timers) {
        var t0 = lowerBound(tAt, view.t0), t1 = lowerBound(tAt, view.t1 + 1);
        if (t1 - t0 <= MAX_ARROWS) {
          for (var k = t0; k < t1; k++) {
            if (pos[T.lane[k]] < 0) { continue; }
            var tx = xOf(tAt[k], pw), ty = laneTop(T.lane[k]) + LANE - 6;
            out.push('<circle cx="' + f1(tx) + '" cy="' + ty + '" r="3" class="timer"/>');
            state.timers.push([k, tx, ty]);
          }
        }
      }
    }
    out.push('</g>');

    // Where each violation shows.
    D.violations.forEach(function (v, index) {
      if (v.at === null || v.at < view.t0 || v.at > view.t1) { return; }
      var x = f1(xOf(v.at, pw));
      marks.push('<line x1="' + x + '" x2="' + x + '" y1="' + (AXIS - 6) + '" y2="' + H + '" class="viol-line"/>');
      marks.push('<text x="' + f1(Math.min(x + 3, xb - 140)) + '" y="' + AXIS + '" class="viol-text">' + esc(v.property) + '</text>');
      state.violations.push([index, x]);
    });
    out.push(marks.join(''));

    // Lane labels, in the gutter, with the role at the window's start (and any change).
    out.push('<rect x="0" y="' + AXIS + '" width="' + (GUTTER - 4) + '" height="' + (H - AXIS) + '" fill="#fff"/>');
    visible.forEach(function (lane) {
      var top = laneTop(lane), first = lanes[lane].server, last = first, changes = 0;
      D.roles.forEach(function (c) {
        if (c.lane !== lane) { return; }
        if (c.at <= view.t0) { first = c.server; }
        if (c.at <= view.t1) { last = c.server; }
        if (c.at > view.t0 && c.at <= view.t1) { changes++; }
      });
      var role = first ? 'server' : 'client';
      var roleText = first === last ? role + (changes ? ' (changes)' : '') : role + ' → ' + (last ? 'server' : 'client');
      out.push('<text x="10" y="' + (top + 22) + '" class="lane-label" data-lane="' + lane + '">' + esc(lanes[lane].name) + '</text>');
      out.push('<text x="10" y="' + (top + 38) + '" class="lane-role ' + role + '">' + roleText + '</text>');
    });
    out.push('<text x="10" y="' + (AXIS - 10) + '" class="tick-label">time →</text>');

    chart.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    chart.setAttribute('width', W);
    chart.setAttribute('height', H);
    chart.innerHTML = out.join('');
    drawn = state;
    state.pw = pw;
    renderOverview();
    windowText.textContent = secs(Math.max(0, view.t0), 6) + ' – ' + secs(view.t1, 6) + ' (' + dur(view.t1 - view.t0) + ')';
    statusLine.textContent = state.aggregated
      ? candidates.length + ' messages in this window: shown as density per lane (blue traffic, red losses). Zoom in to see each arrow.'
      : state.arrows.length + ' messages, ' + state.spans.length + ' request spans in this window.';
    chart.setAttribute('data-arrows', state.arrows.length);
    chart.setAttribute('data-aggregated', state.aggregated ? 'yes' : 'no');
    chart.setAttribute('data-t0', Math.round(view.t0));
    chart.setAttribute('data-t1', Math.round(view.t1));
  }

  function drawArrow(i, pos, pw, anchorY, xa, xb, out, state, extra) {
    var fate = M.fate[i] & 7, dup = (M.fate[i] & 8) !== 0, k = 'k' + KIND_FAMILY[M.kind[i]];
    var a = M.from[i], b = M.to[i];
    var x1 = xOf(mS[i], pw), x2 = xOf(mE[i], pw);
    var cls = 'm ' + k + (fate === 5 ? ' f5' : '') + (dup ? ' dup' : '') + extra;
    var y1, y2, cross = null;
    if (pos[a] >= 0 && pos[b] >= 0) {
      y1 = anchorY(a); y2 = anchorY(b);
      if (fate === 1 || fate === 3 || fate === 4) {
        // Lost as it was sent: a short stub toward the receiver, crossed out.
        x2 = x1 + 16; y2 = y1 + (y2 - y1) * 0.3; cross = [x2, y2];
      } else if (fate === 2 || fate === 6) {
        cross = [x2, y2];
      }
    } else if (pos[a] >= 0) {
      // The receiver's lane is filtered out: a stub leaving the sender.
      y1 = anchorY(a); y2 = y1 + (b > a ? 14 : -14); x2 = x1 + 10; cls += ' stub';
      if (fate >= 1 && fate !== 5) { cross = [x2, y2]; }
    } else {
      y2 = anchorY(b); y1 = y2 + (a > b ? 14 : -14); x1 = x2 - 10; cls += ' stub';
      if (fate === 2 || fate === 6) { cross = [x2, y2]; }
    }
    var seg = clipSegment(x1, y1, x2, y2, xa - 40, xb + 40);
    if (!seg) { return; }
    var arrowHead = cross === null && fate !== 5 && cls.indexOf('stub') < 0 ? ' marker-end="url(#ah-' + k + ')"' : '';
    out.push('<line x1="' + f1(seg[0]) + '" y1="' + f1(seg[1]) + '" x2="' + f1(seg[2]) + '" y2="' + f1(seg[3]) + '" class="' + cls + '" data-m="' + i + '"' + arrowHead + '/>');
    if (cross) {
      var cx = f1(cross[0]), cy = f1(cross[1]);
      out.push('<path d="M' + (cx - 4) + ' ' + (cy - 4) + 'l8 8m0-8l-8 8" class="x' + extra + '" data-m="' + i + '"/>');
    }
    state.arrows.push([i, seg[0], seg[1], seg[2], seg[3]]);
  }

  // Zoomed out: per visible lane, how many messages were sent or received (and lost) in
  // each few-pixel bin, as bars whose height follows the square root of the count.
  function drawDensity(candidates, visible, pos, pw, laneTop, out, state) {
    var bins = Math.ceil(pw / BIN_PX) + 1, traffic = {}, losses = {};
    visible.forEach(function (lane) { traffic[lane] = new Uint32Array(bins); losses[lane] = new Uint32Array(bins); });
    function bump(table, lane, t) {
      if (pos[lane] < 0 || t < view.t0 || t > view.t1) { return; }
      table[lane][Math.floor((xOf(t, pw) - GUTTER) / BIN_PX)]++;
    }
    candidates.forEach(function (i) {
      var fate = M.fate[i] & 7;
      bump(traffic, M.from[i], mS[i]);
      if (fate === 0) { bump(traffic, M.to[i], mE[i]); }
      if (fate === 1 || fate === 3 || fate === 4) { bump(losses, M.from[i], mS[i]); }
      if (fate === 2 || fate === 6) { bump(losses, M.to[i], mE[i]); }
    });
    var most = 1;
    visible.forEach(function (lane) { for (var b = 0; b < bins; b++) { most = Math.max(most, traffic[lane][b]); } });
    // One path per lane and colour: thousands of bars as two elements, quick to lay out.
    visible.forEach(function (lane) {
      var top = laneTop(lane), base = top + LANE - 6, room = LANE - BAND_TOP - BAND_H - 10;
      var bars = [], lossBars = [], w = BIN_PX - 0.5;
      for (var b = 0; b < bins; b++) {
        var n = traffic[lane][b], lost = losses[lane][b];
        if (n === 0 && lost === 0) { continue; }
        var x = GUTTER + b * BIN_PX, h = Math.max(1, Math.sqrt(n / most) * room);
        if (n > 0) { bars.push('M' + x + ' ' + f1(base) + 'h' + w + 'v-' + f1(h) + 'h-' + w + 'z'); }
        if (lost > 0) {
          var hl = Math.max(1.5, Math.sqrt(lost / most) * room);
          lossBars.push('M' + x + ' ' + f1(base) + 'h' + w + 'v-' + f1(hl) + 'h-' + w + 'z');
        }
        state.bins.push([lane, b, n, lost, x, base - h - 2, x + BIN_PX, base]);
      }
      if (bars.length) { out.push('<path d="' + bars.join('') + '" class="dens" opacity="0.55"/>'); }
      if (lossBars.length) { out.push('<path d="' + lossBars.join('') + '" class="dens-loss" opacity="0.75"/>'); }
    });
  }

  // The overview strip: the whole run's message density, the violation and the window.
  var overviewBins = null;
  function renderOverview() {
    var w = Math.max(200, overview.clientWidth || 1200), h = 34, n = Math.max(1, Math.floor(w / 2));
    if (!overviewBins || overviewBins.n !== n) {
      var all = new Uint32Array(n), lost = new Uint32Array(n), scale = n / (END * 1.01);
      for (var i = 0; i < nM; i++) {
        var bin = Math.min(n - 1, Math.floor(mS[i] * scale));
        all[bin]++;
        if ((M.fate[i] & 7) >= 1 && (M.fate[i] & 7) !== 5) { lost[bin]++; }
      }
      var most = 1;
      for (var k = 0; k < n; k++) { most = Math.max(most, all[k]); }
      overviewBins = { n: n, all: all, lost: lost, most: most, scale: scale };
    }
    var o = overviewBins, parts = ['<svg viewBox="0 0 ' + w + ' ' + h + '" preserveAspectRatio="none"><rect x="0" y="0" width="' + w + '" height="' + h + '" class="ov-bg"/>'];
    var bw = w / n, bars = [], lossBars = [];
    for (var b = 0; b < n; b++) {
      if (o.all[b] === 0) { continue; }
      var bh = Math.max(1, Math.sqrt(o.all[b] / o.most) * (h - 4));
      bars.push('M' + f1(b * bw) + ' ' + (h - 2) + 'h' + f1(bw) + 'v-' + f1(bh) + 'h-' + f1(bw) + 'z');
      if (o.lost[b] > 0) {
        var lh = Math.max(1, Math.sqrt(o.lost[b] / o.most) * (h - 4));
        lossBars.push('M' + f1(b * bw) + ' ' + (h - 2) + 'h' + f1(bw) + 'v-' + f1(lh) + 'h-' + f1(bw) + 'z');
      }
    }
    parts.push('<path d="' + bars.join('') + '" class="ov-bar"/><path d="' + lossBars.join('') + '" class="ov-loss"/>');
    var toX = function (t) { return t / (END * 1.01) * w; };
    D.violations.forEach(function (v) {
      if (v.at !== null) { var x = f1(toX(v.at)); parts.push('<line x1="' + x + '" x2="' + x + '" y1="0" y2="' + h + '" class="ov-viol"/>'); }
    });
    var wx1 = Math.max(0, toX(view.t0)), wx2 = Math.min(w, toX(view.t1));
    parts.push('<rect x="' + f1(wx1) + '" y="1" width="' + f1(Math.max(3, wx2 - wx1)) + '" height="' + (h - 2) + '" class="ov-win"/></svg>');
    overview.innerHTML = parts.join('');
  }

  // ---- Hover: a hit test against what was drawn --------------------------------------
  function distanceToSegment(px, py, a) {
    var x1 = a[1], y1 = a[2], x2 = a[3], y2 = a[4], dx = x2 - x1, dy = y2 - y1;
    var len = dx * dx + dy * dy, t = len === 0 ? 0 : ((px - x1) * dx + (py - y1) * dy) / len;
    t = Math.max(0, Math.min(1, t));
    var qx = x1 + t * dx - px, qy = y1 + t * dy - py;
    return Math.sqrt(qx * qx + qy * qy);
  }
  // What is under the chart point (x, y): the nearest arrow within 5 px, else a timer, a
  // request span, a density bin, a role change or a fault interval.
  function hitTest(x, y) {
    if (!drawn) { return null; }
    var best = null, bestDist = 5;
    drawn.arrows.forEach(function (a) {
      var d = distanceToSegment(x, y, a);
      if (d < bestDist || (d === bestDist && best && M.req[a[0]] >= 0 && focusMask[M.req[a[0]]])) { bestDist = d; best = { kind: 'message', index: a[0] }; }
    });
    if (best) { return best; }
    for (var v = 0; v < drawn.violations.length; v++) {
      if (Math.abs(drawn.violations[v][1] - x) <= 3) { return { kind: 'violation', index: drawn.violations[v][0] }; }
    }
    for (var t = 0; t < drawn.timers.length; t++) {
      var tm = drawn.timers[t];
      if (Math.abs(tm[1] - x) <= 4 && Math.abs(tm[2] - y) <= 4) { return { kind: 'timer', index: tm[0] }; }
    }
    for (var s = drawn.spans.length - 1; s >= 0; s--) {
      var sp = drawn.spans[s];
      if (x >= sp.x1 - 1 && x <= sp.x2 + 1 && y >= sp.top && y <= sp.top + BAND_H) { return { kind: 'request', index: sp.r, count: sp.count }; }
    }
    for (var q = 0; q < drawn.queued.length; q++) {
      var qu = drawn.queued[q];
      if (x >= qu.x1 && x <= qu.x1 + 6 && y >= qu.top && y <= qu.top + 8) { return { kind: 'request', index: qu.r, count: 1 }; }
    }
    for (var b = 0; b < drawn.bins.length; b++) {
      var bin = drawn.bins[b];
      if (x >= bin[4] && x < bin[6] && y >= bin[5] - 6 && y <= bin[7]) { return { kind: 'bin', bin: bin }; }
    }
    var boxes = [['role', drawn.roles], ['trouble', drawn.troubles]];
    for (var k = 0; k < boxes.length; k++) {
      var list = boxes[k][1];
      for (var j = 0; j < list.length; j++) {
        var box = list[j];
        if (x >= box[1] && x <= box[3] && y >= box[2] && y <= box[4]) { return { kind: boxes[k][0], index: box[0] }; }
      }
    }
    return null;
  }

  function requestSummary(r) {
    var answer = R.outcome[r] >= 0 ? esc(S[R.outcome[r]]) : '<span class="lost">no answer</span>';
    var lines = ['<b>' + esc(reqName[r]) + ' ' + esc(S[R.what[r]]) + '</b> = ' + answer,
      'submitted ' + secs(rSub[r]) + (R.start[r] >= 0 ? ', started ' + secs(R.start[r]) : ', never started') +
        (R.end[r] >= 0 ? ', answered ' + secs(R.end[r]) + ' (took ' + dur(R.end[r] - rBeg[r]) + ')' : ''),
      CLASS_WORDS[R.class[r]] + ' · ' + reqMsgs[r].length + ' messages'];
    if (violReq[r]) { lines.push('<span class="lost">involved in the violation</span>'); }
    return lines.join('<br>');
  }
  function messageSummary(i) {
    var fate = M.fate[i] & 7, r = M.req[i];
    var head = '<b>' + esc(D.kinds[M.kind[i]]) + '</b> ' + esc(lanes[M.from[i]].name) + ' → ' + esc(lanes[M.to[i]].name);
    var tag = r >= 0 ? ' · request ' + esc(reqName[r]) + (M.phase[i] >= 0 ? ' phase p' + M.phase[i] : '') : '';
    var lines = [head + tag, '<code>' + esc(S[M.text[i]]) + '</code>', 'sent ' + secs(mS[i])];
    if (fate === 0) { lines.push('delivered ' + secs(mE[i]) + ' (delay ' + dur(M.d[i]) + ')'); }
    else if (fate === 2 || fate === 6) { lines.push('<span class="lost">' + FATE_WORDS[fate] + '</span> at ' + secs(mE[i]) + ' (after ' + dur(M.d[i]) + ')'); }
    else if (fate === 5) { lines.push('<span class="lost">' + FATE_WORDS[5] + '</span>'); }
    else { lines.push('<span class="lost">' + FATE_WORDS[fate] + '</span>'); }
    if (M.fate[i] & 8) { lines.push('a copy made by the network (duplication)'); }
    if (r >= 0) { lines.push('click: highlight every message of ' + esc(reqName[r])); }
    return lines.join('<br>');
  }
  function describe(hit) {
    switch (hit.kind) {
      case 'message': return messageSummary(hit.index);
      case 'request': return requestSummary(hit.index) + (hit.count > 1 ? '<br>(and ' + (hit.count - 1) + ' more requests in this pixel: zoom in)' : '');
      case 'violation': {
        var vi = D.violations[hit.index];
        return '<b>' + esc(vi.title) + '</b><br>' + esc(vi.detail) + '<br><code>' + esc(vi.property) + '</code> shows at ' + secs(vi.at) +
          (vi.op_names.length ? ' · requests ' + esc(vi.op_names.join(' ')) : '') + (vi.count > 1 ? ' · reported ' + vi.count + ' times' : '');
      }
      case 'timer': return '<b>timer fired</b> on ' + esc(lanes[T.lane[hit.index]].name) + ': ' + esc(S[T.text[hit.index]]) + '<br>at ' + secs(tAt[hit.index]);
      case 'role': {
        var c = D.roles[hit.index];
        return '<b>' + esc(lanes[c.lane].name) + ' becomes a ' + (c.server ? 'server' : 'client') + '</b> in configuration e' + c.epoch +
          '<br>at ' + secs(c.at) + ', when ' + esc(reqName[c.by]) + ' ' + esc(S[R.what[c.by]]) + ' was answered';
      }
      case 'trouble': {
        var tr = D.troubles[hit.index];
        return '<b>' + esc(lanes[tr.lane].name) + ': ' + esc(tr.label) + '</b><br>from ' + secs(tr.from) + ' to ' + (tr.to >= END ? 'the end of the run' : secs(tr.to));
      }
      case 'bin': {
        var bin = hit.bin, t = view.t0 + (bin[1] * BIN_PX) / drawn.pw * (view.t1 - view.t0), w = BIN_PX / drawn.pw * (view.t1 - view.t0);
        return '<b>' + esc(lanes[bin[0]].name) + '</b> ' + secs(t) + ' to ' + secs(t + w) + ':<br>' + bin[2] + ' messages sent or received, ' + bin[3] + ' lost<br>zoom in to see each message';
      }
    }
    return '';
  }
  function chartPoint(event) {
    var box = chart.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }
  function showTooltip(hit, clientX, clientY) {
    if (!hit) { tooltip.hidden = true; return; }
    tooltip.innerHTML = describe(hit);
    tooltip.hidden = false;
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    var left = clientX + 14, top = clientY + 14;
    if (left + w > window.innerWidth - 4) { left = clientX - w - 14; }
    if (top + h > window.innerHeight - 4) { top = clientY - h - 14; }
    tooltip.style.left = Math.max(4, left) + 'px';
    tooltip.style.top = Math.max(4, top) + 'px';
  }

  // ---- Selecting a request -----------------------------------------------------------
  function setFocus(list) {
    focusMask.fill(0); focused = 0;
    list.forEach(function (r) { if (r >= 0 && r < nR && !focusMask[r]) { focusMask[r] = 1; focused++; } });
    Array.prototype.forEach.call(document.querySelectorAll('.banner .op'), function (link) {
      link.classList.toggle('active', focusMask[Number(link.getAttribute('data-op'))] === 1);
    });
  }
  // The violation's requests, focused, with their summaries in the details panel.
  function focusViolation() {
    var ops = [];
    for (var k = 0; k < D.violations.length && ops.length === 0; k++) {
      ops = D.violations[k].ops.filter(function (r) { return r >= 0; });
    }
    selected = -1;
    setFocus(ops);
    if (ops.length === 0) { details.hidden = true; return; }
    details.innerHTML = '<b>The requests involved in the violation</b> (their messages are highlighted; click one for its messages, or an empty spot to see everything):<br>' +
      ops.filter(function (r, i) { return ops.indexOf(r) === i; }).map(requestSummary).join('<hr>');
    details.hidden = false;
  }
  function select(r) {
    selected = r;
    setFocus(r >= 0 ? [r] : []);
    if (r < 0) { details.hidden = true; render(); return; }
    var rows = reqMsgs[r].slice(0, 60).map(function (i) {
      var fate = M.fate[i] & 7;
      return '<tr><td>' + secs(mS[i]) + '</td><td>' + esc(D.kinds[M.kind[i]]) + '</td><td>' + esc(lanes[M.from[i]].name) + ' → ' + esc(lanes[M.to[i]].name) +
        '</td><td><code>' + esc(S[M.text[i]]) + '</code></td><td>' + (fate === 0 ? 'delivered after ' + dur(M.d[i]) : FATE_WORDS[fate]) + '</td></tr>';
    });
    details.innerHTML = requestSummary(r) +
      ' <button type="button" id="zoom-request">Zoom to it</button> <button type="button" id="unselect">Unselect</button>' +
      '<table>' + rows.join('') + '</table>' + (reqMsgs[r].length > 60 ? '<p>… and ' + (reqMsgs[r].length - 60) + ' more messages</p>' : '');
    details.hidden = false;
    document.getElementById('zoom-request').onclick = function () { var w = windowAround([r], null); setWindow(w[0], w[1]); };
    document.getElementById('unselect').onclick = function () { select(-1); };
    render();
  }

  // ---- Controls ----------------------------------------------------------------------
  var chips = document.getElementById('node-chips');
  (function () {
    var html = ['<button type="button" data-lane="-1" class="on" title="Show every node">all</button>'];
    lanes.forEach(function (lane, index) {
      html.push('<button type="button" data-lane="' + index + '" class="' + (lane.server ? 'server' : 'client') + '" title="' +
        laneMsgs[index] + ' messages; click to show only this node (shift-click to add it)">' + esc(lane.name) + '</button>');
    });
    chips.innerHTML = html.join('');
  })();
  function syncChips() {
    Array.prototype.forEach.call(chips.querySelectorAll('button'), function (button) {
      var lane = Number(button.getAttribute('data-lane'));
      button.classList.toggle('on', lane < 0 ? filter.nodes.length === 0 : filter.nodes.indexOf(lane) >= 0);
    });
  }
  function setNodes(list) { filter.nodes = list.slice().sort(function (a, b) { return a - b; }); syncChips(); render(); }
  chips.addEventListener('click', function (event) {
    var button = event.target.closest('button');
    if (!button) { return; }
    var lane = Number(button.getAttribute('data-lane'));
    if (lane < 0) { setNodes([]); return; }
    var list = event.shiftKey ? filter.nodes.slice() : [];
    var at = list.indexOf(lane);
    if (at >= 0) { list.splice(at, 1); } else { list.push(lane); }
    setNodes(list);
  });

  var tokenInput = document.getElementById('token-filter'), requestInput = document.getElementById('request-filter');
  // Returns an error message, or '' when the filters were applied.
  function applyTextFilters(tokenText, requestText) {
    var token = null, req = null, messages = [];
    var t = String(tokenText || '').trim().replace(/^t/i, '');
    if (t !== '') {
      if (/^\d+$/.test(t)) { token = Number(t); } else { messages.push('a token is written t3 or 3'); }
    }
    var q = String(requestText || '').trim().replace(/^n?/i, 'n');
    if (q !== 'n') {
      if (Object.prototype.hasOwnProperty.call(reqByName, q)) { req = reqByName[q]; }
      else { messages.push('no request ' + q + ' in this run (write it n1#2)'); }
    }
    filter.token = token; filter.req = req;
    recomputeAllowed();
    problem.textContent = messages.join('; ');
    render();
    return messages.join('; ');
  }
  function onFilterInput() { applyTextFilters(tokenInput.value, requestInput.value); }
  tokenInput.addEventListener('change', onFilterInput);
  requestInput.addEventListener('change', onFilterInput);
  tokenInput.addEventListener('keyup', function (e) { if (e.key === 'Enter') { onFilterInput(); } });
  requestInput.addEventListener('keyup', function (e) { if (e.key === 'Enter') { onFilterInput(); } });
  function clearFilters() {
    tokenInput.value = ''; requestInput.value = '';
    filter.lossesOnly = false; document.getElementById('losses-only').checked = false;
    filter.data = filter.reconfig = filter.timers = true;
    ['show-data', 'show-reconfig', 'show-timers'].forEach(function (id) { document.getElementById(id).checked = true; });
    filter.nodes = []; syncChips();
    applyTextFilters('', '');
  }
  document.getElementById('clear-filters').addEventListener('click', clearFilters);
  [['show-data', 'data'], ['show-reconfig', 'reconfig'], ['show-timers', 'timers'], ['losses-only', 'lossesOnly']].forEach(function (pair) {
    document.getElementById(pair[0]).addEventListener('change', function (e) { filter[pair[1]] = e.target.checked; render(); });
  });
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(0.5); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(2); });
  document.getElementById('zoom-fit').addEventListener('click', fit);
  var violationButton = document.getElementById('zoom-violation');
  if (D.violations.length === 0) { violationButton.hidden = true; }
  violationButton.addEventListener('click', showViolation);
  Array.prototype.forEach.call(document.querySelectorAll('.banner .op'), function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      var r = Number(link.getAttribute('data-op'));
      var w = windowAround([r], null);
      if (w) { view.t0 = w[0]; view.t1 = w[1]; }
      select(r);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('.banner .at'), function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      var at = Number(link.getAttribute('data-at')), half = Math.max(1000, (view.t1 - view.t0) / 2);
      setWindow(at - half, at + half);
    });
  });

  // Wheel zooms around the pointer; horizontal wheel (or shift) pans; drag pans.
  plot.addEventListener('wheel', function (event) {
    event.preventDefault();
    var p = chartPoint(event), pw = plotWidth();
    if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      pan((event.deltaX || event.deltaY) / pw, true);
      return;
    }
    var at = view.t0 + (p[0] - GUTTER) / pw * (view.t1 - view.t0);
    zoom(Math.exp(Math.max(-2, Math.min(2, event.deltaY * 0.002))), Math.max(view.t0, Math.min(view.t1, at)), true);
  }, { passive: false });
  var drag = null;
  plot.addEventListener('pointerdown', function (event) {
    if (event.button !== 0) { return; }
    drag = { x: event.clientX, t0: view.t0, t1: view.t1, moved: false };
    plot.setPointerCapture(event.pointerId);
  });
  plot.addEventListener('pointermove', function (event) {
    if (drag) {
      var dx = event.clientX - drag.x;
      if (Math.abs(dx) > 3) { drag.moved = true; plot.classList.add('dragging'); }
      if (drag.moved) {
        var shift = -dx / plotWidth() * (drag.t1 - drag.t0);
        setWindow(drag.t0 + shift, drag.t1 + shift, true);
        tooltip.hidden = true;
        return;
      }
    }
    var p = chartPoint(event);
    showTooltip(hitTest(p[0], p[1]), event.clientX, event.clientY);
  });
  plot.addEventListener('pointerup', function (event) {
    var wasDrag = drag && drag.moved;
    drag = null; plot.classList.remove('dragging');
    if (wasDrag) { return; }
    var p = chartPoint(event), hit = hitTest(p[0], p[1]);
    if (hit && hit.kind === 'request') { select(hit.index === selected ? -1 : hit.index); }
    else if (hit && hit.kind === 'message' && M.req[hit.index] >= 0) { select(M.req[hit.index]); }
    else if (hit && hit.kind === 'role') { select(D.roles[hit.index].by); }
    else if (!hit && focused > 0) { select(-1); }
  });
  plot.addEventListener('pointerleave', function () { tooltip.hidden = true; });
  // The overview: click or drag to move the window there.
  var overviewDrag = false;
  function overviewMove(event) {
    var box = overview.getBoundingClientRect(), t = (event.clientX - box.left) / box.width * END * 1.01, half = (view.t1 - view.t0) / 2;
    setWindow(t - half, t + half, true);
  }
  overview.addEventListener('pointerdown', function (event) { overviewDrag = true; overview.setPointerCapture(event.pointerId); overviewMove(event); });
  overview.addEventListener('pointermove', function (event) { if (overviewDrag) { overviewMove(event); } });
  overview.addEventListener('pointerup', function () { overviewDrag = false; });
  document.addEventListener('keydown', function (event) {
    if (event.target && /INPUT|TEXTAREA/.test(event.target.tagName)) { return; }
    var keys = { '+': function () { zoom(0.5); }, '=': function () { zoom(0.5); }, '-': function () { zoom(2); },
      ArrowLeft: function () { pan(-0.25); }, ArrowRight: function () { pan(0.25); }, '0': fit, v: showViolation,
      Escape: function () { select(-1); } };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  var resizeTimer = null;
  window.addEventListener('resize', function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(render, 80); });

  // ---- Views named in the address: #window=1.2,1.5&nodes=n1,n7&token=3&request=n1#2 ---
  // With no view in the address, the one the page was written for (`show --html --node 3`).
  function viewOfAddress() {
    var hash = location.hash.replace(/^#/, '');
    if (hash === '' || hash === 'selftest') { hash = D.run.view || ''; }
    if (hash === '') { return false; }
    var params = {};
    hash.split('&').forEach(function (pair) {
      var at = pair.indexOf('=');
      if (at > 0) {
        try { params[decodeURIComponent(pair.slice(0, at))] = decodeURIComponent(pair.slice(at + 1)); } catch (error) { /* a malformed escape: ignored */ }
      }
    });
    if (params.nodes) {
      setNodes(params.nodes.split(',').map(function (name) {
        return lanes.findIndex(function (lane) { return lane.name === name.trim() || String(lane.id) === name.trim(); });
      }).filter(function (lane) { return lane >= 0; }));
    }
    if (params.token || params.request) {
      tokenInput.value = params.token || ''; requestInput.value = params.request || '';
      applyTextFilters(tokenInput.value, requestInput.value);
    }
    if (params.select && Object.prototype.hasOwnProperty.call(reqByName, params.select)) { select(reqByName[params.select]); }
    var bounds = (params.window || '').split(',').map(Number);
    if (bounds.length === 2 && isFinite(bounds[0]) && isFinite(bounds[1]) && bounds[1] > bounds[0]) {
      setWindow(bounds[0] * 1e6, bounds[1] * 1e6);
      return true;
    }
    return false;
  }
  // The address of the current view, to share or bookmark.
  function addressOfView() {
    var parts = ['window=' + (view.t0 / 1e6).toFixed(6) + ',' + (view.t1 / 1e6).toFixed(6)];
    if (filter.nodes.length) { parts.push('nodes=' + filter.nodes.map(function (l) { return lanes[l].name; }).join(',')); }
    if (filter.token !== null) { parts.push('token=' + filter.token); }
    if (filter.req !== null) { parts.push('request=' + encodeURIComponent(reqName[filter.req])); }
    if (selected >= 0) { parts.push('select=' + encodeURIComponent(reqName[selected])); }
    return '#' + parts.join('&');
  }
  document.getElementById('link-view').addEventListener('click', function () {
    history.replaceState(null, '', addressOfView());
    problem.textContent = '';
    statusLine.textContent = 'The address bar now holds a link to this view.';
  });

  // ---- First render: zoomed to the violation when there is one -----------------------
  (function () {
    var w = violationWindow();
    focusViolation();
    if (viewOfAddress()) {
      // The address named a window.
    } else if (w) {
      var width = Math.max(MIN_WINDOW, w[1] - w[0]);
      view.t0 = w[0]; view.t1 = w[0] + width;
      render();
    } else {
      fit();
    }
    var renderedAt = performance.now();
    document.body.setAttribute('data-script-start-ms', startedAt.toFixed(1));
    document.body.setAttribute('data-parse-ms', (parsedAt - startedAt).toFixed(1));
    document.body.setAttribute('data-first-render-ms', renderedAt.toFixed(1));
    document.body.setAttribute('data-ready', 'yes');
  })();

  // ---- Self-test (#selftest): exercise filters, zoom and hover, report into the DOM ---
  function selfTest() {
    var results = [], initial = { t0: view.t0, t1: view.t1 };
    function check(name, ok, info) { results.push({ name: name, ok: !!ok, info: info === undefined ? '' : String(info) }); }
    function drawnLanes() { return Array.prototype.map.call(chart.querySelectorAll('.lane-label'), function (e) { return Number(e.getAttribute('data-lane')); }); }
    try {
      fit();
      check('a lane per node', drawnLanes().length === nL && nL > 0, drawnLanes().length + ' of ' + nL);
      check('lane labels name every node', lanes.every(function (lane, i) {
        var label = chart.querySelector('.lane-label[data-lane="' + i + '"]'); return label && label.textContent === lane.name;
      }));
      if (D.violations.length > 0) {
        var banner = document.getElementById('banner');
        check('the violation banner is shown', banner && banner.offsetHeight > 0 && banner.textContent.indexOf(D.violations[0].title) >= 0);
        showViolation();
        var ops = [];
        D.violations.forEach(function (v) { v.ops.forEach(function (r) { if (r >= 0) { ops.push(r); } }); });
        var highlighted = chart.querySelectorAll('rect.req.viol');
        check('the involved requests are highlighted', highlighted.length > 0, highlighted.length + ' highlighted');
        var withMessages = ops.some(function (r) { return reqMsgs[r].length > 0; });
        // Zoomed out far enough that messages are drawn as density, none is drawn alone.
        check('the involved requests\' messages are highlighted',
          !withMessages || drawn.aggregated || chart.querySelectorAll('line.m.hl').length > 0,
          chart.querySelectorAll('line.m.hl').length + ' highlighted' + (drawn.aggregated ? ' (density view)' : ''));
        var inside = ops.filter(function (r) { return rBeg[r] <= view.t1 && rEnd[r] >= view.t0; });
        check('the first view shows the violation', inside.length > 0, inside.length + ' of ' + ops.length + ' involved requests in view');
      }
      // Zoom: the window narrows, and fewer or as many messages are considered.
      fit();
      var before = view.t1 - view.t0, consideredBefore = drawn.considered;
      zoom(0.25);
      var after = view.t1 - view.t0;
      check('zoom narrows the window', Math.abs(after / before - 0.25) < 0.01, before + ' -> ' + after);
      check('chart reports the window', Number(chart.getAttribute('data-t1')) - Number(chart.getAttribute('data-t0')) <= Math.ceil(after) + 1);
      check('zooming in considers fewer messages', drawn.considered <= consideredBefore, consideredBefore + ' -> ' + drawn.considered);
      var t0 = view.t0; pan(0.5);
      check('pan moves the window', view.t0 > t0);
      // Node filter: the busiest lane alone, zoomed until arrows are drawn.
      var busiest = 0;
      for (var l = 1; l < nL; l++) { if (laneMsgs[l] > laneMsgs[busiest]) { busiest = l; } }
      var first = -1;
      for (var i = 0; i < nM; i++) { if (M.from[i] === busiest || M.to[i] === busiest) { first = i; break; } }
      setNodes([busiest]);
      check('a node filter leaves only its lane', drawnLanes().length === 1 && drawnLanes()[0] === busiest, drawnLanes().join(','));
      if (first >= 0) { setWindow(mS[first] - 20000, mS[first] + 80000); }
      var arrows = drawn.arrows.map(function (a) { return a[0]; });
      check('a node filter draws its messages', first < 0 || arrows.length > 0, arrows.length + ' arrows');
      check('a node filter leaves only its messages', arrows.every(function (i) { return M.from[i] === busiest || M.to[i] === busiest; }));
      check('a node filter leaves only its requests', drawn.spans.every(function (s) { return R.lane[s.r] === busiest; }));
      setNodes([]);
      // Request filter: a request with messages, alone.
      var target = -1;
      D.violations.forEach(function (v) { v.ops.forEach(function (r) { if (target < 0 && r >= 0 && reqMsgs[r].length > 0) { target = r; } }); });
      for (var r = 0; target < 0 && r < nR; r++) { if (reqMsgs[r].length > 0) { target = r; } }
      if (target >= 0) {
        var problemText = applyTextFilters('', reqName[target]);
        var w = windowAround([target], null); setWindow(w[0], w[1]);
        var own = drawn.arrows.map(function (a) { return a[0]; });
        check('the request filter accepts ' + reqName[target], problemText === '', problemText);
        check('a request filter leaves only its messages', own.length > 0 && own.every(function (i) { return M.req[i] === target; }), own.length + ' arrows');
        check('a request filter leaves only its span', drawn.spans.length === 1 && drawn.spans[0].r === target, drawn.spans.length + ' spans');
        // Hover over one of its arrows gives a tooltip naming the message.
        // An arrow between two lanes: a node's message to itself runs along its lane, where
        // its midpoint may hit another message drawn there.
        var a = drawn.arrows.filter(function (x) { return x[2] !== x[4]; })[0] || drawn.arrows[0], box = chart.getBoundingClientRect();
        var mx = (a[1] + a[3]) / 2, my = (a[2] + a[4]) / 2, hit = hitTest(mx, my);
        showTooltip(hit, box.left + mx, box.top + my);
        check('hovering a message explains it', !tooltip.hidden && tooltip.textContent.indexOf(D.kinds[M.kind[a[0]]]) >= 0, tooltip.textContent.slice(0, 80));
        tooltip.hidden = true;
        applyTextFilters('', '');
        // Clicking (selecting) a request highlights its messages.
        setWindow(w[0], w[1]);
        select(target);
        var hl = chart.querySelectorAll('line.m.hl').length;
        // A request that waited long (a silent client, a crash) may span more messages than
        // are drawn one by one: then they are density, and none is drawn alone to highlight.
        check('selecting a request highlights its messages', (hl > 0 || drawn.aggregated) && chart.querySelector('rect.req.sel') !== null, hl + ' highlighted' + (drawn.aggregated ? ' (density view)' : ''));
        select(-1);
      }
      // Token filter: the token of the first pay.
      var token = null;
      for (var p = 0; token === null && p < nR; p++) { if (/^pay/.test(S[R.what[p]]) && R.tokens[p].length > 0) { token = R.tokens[p][0]; } }
      if (token !== null) {
        fit();
        var problemToken = applyTextFilters('t' + token, '');
        check('the token filter accepts t' + token, problemToken === '', problemToken);
        check('a token filter leaves only requests about it', drawn.spans.length > 0 && drawn.spans.every(function (s) { return R.tokens[s.r].indexOf(token) >= 0; }), drawn.spans.length + ' spans');
        applyTextFilters('', '');
      }
      check('a bad request name is explained', applyTextFilters('', 'n999#999').indexOf('no request') === 0);
      applyTextFilters('', '');
      // Zoomed all the way out on a long run, messages become density.
      fit();
      check('zoomed out, many messages become density', drawn.considered <= MAX_ARROWS || drawn.aggregated, drawn.considered + ' considered');
    } catch (error) {
      check('the self-test ran to its end', false, error && error.stack ? error.stack : error);
    }
    // Back to the first view: its window, and the violation in focus if there is one.
    selected = -1; details.hidden = true; setFocus([]);
    if (D.violations.length > 0) { focusViolation(); }
    view.t0 = initial.t0; view.t1 = initial.t1; render();
    var failed = results.filter(function (c) { return !c.ok; });
    var target2 = document.getElementById('selftest-result');
    target2.setAttribute('data-status', failed.length === 0 ? 'pass' : 'fail');
    target2.textContent = JSON.stringify({ status: failed.length === 0 ? 'pass' : 'fail', checks: results }, null, 1);
    target2.hidden = false;
  }
  if (location.hash === '#selftest') { selfTest(); }

  // For people poking at the page from the console.
  window.tokensimView = { data: D, setWindow: setWindow, zoom: zoom, pan: pan, fit: fit, select: select, setNodes: setNodes, filter: applyTextFilters, selfTest: selfTest };
})();
