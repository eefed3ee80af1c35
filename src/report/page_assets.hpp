#pragma once
// The report page's inline style sheet and script (self-written; no external resources).
namespace orthotrack::report::detail {

inline constexpr const char* kReportCss = R"CSS(
:root { --ink: #222; --muted: #666; --rule: #ddd; --accent: #0072b2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1760px; padding: 24px 32px 48px; color: var(--ink); background: #fff;
       font: 15px/1.5 "Helvetica Neue", Helvetica, Arial, sans-serif; }
header { border-bottom: 2px solid var(--ink); margin-bottom: 16px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
.ot-subtitle { font-size: 17px; margin: 0 0 4px; }
.ot-meta, .ot-help, .ot-note { color: var(--muted); font-size: 13px; }
nav.ot-toc { background: #f6f6f6; border: 1px solid var(--rule); padding: 8px 16px; margin-bottom: 16px; }
nav.ot-toc ol { margin: 4px 0; columns: 2; }
a { color: var(--accent); }
section > p { max-width: 75em; }
.ot-figures { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure.ot-figure { margin: 0; border: 1px solid var(--rule); padding: 8px; background: #fff; max-width: 100%; }
figure.ot-figure svg { display: block; max-width: 100%; height: auto; }
figure.ot-chart svg { cursor: crosshair; touch-action: none; }
figcaption { font-size: 13px; color: #333; max-width: 820px; margin-top: 4px; }
.ot-tools { text-align: right; height: 0; position: relative; z-index: 1; }
.ot-tools button { font-size: 12px; padding: 2px 8px; border: 1px solid #bbb; background: #fafafa; border-radius: 3px; cursor: pointer; }
.ot-tools button:hover { background: #eee; }
a.ot-png { font-size: 12px; margin-left: 6px; }
.ot-table-wrap { overflow-x: auto; margin: 16px 0; }
table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; }
caption { text-align: left; padding: 4px 0 6px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 12px 4px 0; text-align: left; white-space: nowrap; }
th { border-bottom: 2px solid #999; }
tbody tr:nth-child(even) { background: #f8f8f8; }
svg .ot-plot path[data-tip]:hover { stroke: #000; }
#ot-tip { position: absolute; display: none; pointer-events: none; background: rgba(30,30,30,0.92); color: #fff;
          font-size: 12px; line-height: 1.35; padding: 5px 8px; border-radius: 4px; white-space: pre-line; z-index: 10; }
footer { margin-top: 40px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav .ot-help, .ot-tools, a.ot-png, #ot-tip { display: none !important; }
  figure.ot-figure, .ot-table-wrap { break-inside: avoid; }
  h2 { break-after: avoid; }
}
)CSS";

inline constexpr const char* kReportJs = R"JS(
(function () {
  'use strict';
  var tip = document.getElementById('ot-tip');
  function showTip(text, e) {
    tip.textContent = text;
    tip.style.display = 'block';
    var x = e.pageX + 14, y = e.pageY + 14;
    if (x + tip.offsetWidth > window.scrollX + document.documentElement.clientWidth) x = e.pageX - tip.offsetWidth - 10;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function hideTip() { tip.style.display = 'none'; }
  function tipOwner(el) { return el && el.closest ? el.closest('[data-tip]') : null; }

  // The script's tooltip replaces the browsers' slow native <title> tooltips.
  document.querySelectorAll('svg [data-tip] > title').forEach(function (t) { t.parentNode.removeChild(t); });
  document.addEventListener('mousemove', function (e) {
    var el = tipOwner(e.target);
    if (el) showTip(el.getAttribute('data-tip'), e);
    else if (!(e.target.closest && e.target.closest('svg.ot-map'))) hideTip();
  });

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function isoDate(t) { var d = new Date(t); return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()); }
  // Date ticks: the same steps as the C++ layout (days, months, years).
  function dateTicks(t0, t1, maxTicks) {
    var out = [], day = 86400000, span = (t1 - t0) / day, i, s;
    var daySteps = [1, 2, 5, 10, 15];
    for (i = 0; i < daySteps.length; i++) {
      s = daySteps[i];
      if (span / s > maxTicks) continue;
      for (var d = Math.ceil(t0 / day / s) * s; d * day <= t1; d += s) out.push({ t: d * day, label: isoDate(d * day) });
      return out;
    }
    var monthSteps = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600];
    for (i = 0; i < monthSteps.length; i++) {
      s = monthSteps[i];
      if (span / 30.44 / s > maxTicks) continue;
      var a = new Date(t0), idx = a.getUTCFullYear() * 12 + a.getUTCMonth();
      idx = Math.ceil(idx / s) * s;
      for (; ; idx += s) {
        var y = Math.floor(idx / 12), m = idx % 12, t = Date.UTC(y, m, 1);
        if (t > t1) break;
        if (t < t0) continue;
        out.push({ t: t, label: s >= 12 ? String(y) : y + '-' + pad(m + 1) });
      }
      return out;
    }
    return out;
  }

  function setupChart(svg) {
    var d = svg.dataset, T0 = +d.t0, T1 = +d.t1, px = +d.px, py = +d.py, pw = +d.pw, ph = +d.ph;
    var plot = svg.querySelector('svg.ot-plot'), axis = svg.querySelector('g.ot-xaxis');
    var NS = svg.namespaceURI, v0 = 0, v1 = pw, dragging = null;
    function tOf(v) { return T0 + v / pw * (T1 - T0); }
    function el(name, attrs, text) {
      var e = document.createElementNS(NS, name);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      return e;
    }
    function redraw() {
      if (plot) plot.setAttribute('viewBox', v0 + ' 0 ' + (v1 - v0) + ' ' + ph);
      var ta = tOf(v0), tb = tOf(v1);
      while (axis.firstChild) axis.removeChild(axis.firstChild);
      dateTicks(ta, tb, 9).forEach(function (k) {
        var x = px + (k.t - ta) / (tb - ta) * pw;
        axis.appendChild(el('line', { x1: x, x2: x, y1: py + ph, y2: py + ph + 4, stroke: '#555555' }));
        axis.appendChild(el('text', { x: x, y: py + ph + 16, 'font-size': 11, 'text-anchor': 'middle', fill: '#222222' }, k.label));
      });
      svg.querySelectorAll('[data-t]').forEach(function (e) {
        var x = px + (+e.getAttribute('data-t') - ta) / (tb - ta) * pw;
        e.setAttribute('x', x + 3);
        e.style.display = (x < px || x > px + pw) ? 'none' : '';
      });
    }
    function clamp() {
      var w = v1 - v0;
      if (v0 < 0) { v0 = 0; v1 = w; }
      if (v1 > pw) { v1 = pw; v0 = pw - w; }
    }
    function svgX(e) {
      var r = svg.getBoundingClientRect();
      return (e.clientX - r.left) * (svg.viewBox.baseVal.width / r.width);
    }
    function plotV(e) { return v0 + (svgX(e) - px) / pw * (v1 - v0); }
    function reset() { v0 = 0; v1 = pw; redraw(); }
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var c = Math.min(v1, Math.max(v0, plotV(e))), f = (c - v0) / (v1 - v0);
      var w = Math.min(pw, Math.max(pw / 500, (v1 - v0) * (e.deltaY < 0 ? 0.8 : 1.25)));
      v0 = c - f * w; v1 = v0 + w;
      clamp(); redraw();
    }, { passive: false });
    svg.addEventListener('mousedown', function (e) { dragging = { x: svgX(e), v0: v0, v1: v1 }; e.preventDefault(); });
    window.addEventListener('mousemove', function (e) {
      if (!dragging) return;
      var dv = (svgX(e) - dragging.x) / pw * (dragging.v1 - dragging.v0);
      v0 = dragging.v0 - dv; v1 = dragging.v1 - dv;
      clamp(); redraw();
    });
    window.addEventListener('mouseup', function () { dragging = null; });
    svg.addEventListener('dblclick', reset);
    var fig = svg.closest('figure'), btn = fig ? fig.querySelector('.ot-reset') : null;
    if (btn) btn.addEventListener('click', reset);
  }

  function setupMap(svg) {
    var d = svg.dataset, px = +d.px, py = +d.py, pw = +d.pw, ph = +d.ph;
    var lon0 = +d.lon0, lon1 = +d.lon1, lat0 = +d.lat0, lat1 = +d.lat1, vw = +d.vw, vh = +d.vh;
    var vals = d.vals ? d.vals.split(',').map(Number) : null, unit = d.unit || '';
    svg.addEventListener('mousemove', function (e) {
      var r = svg.getBoundingClientRect(), s = svg.viewBox.baseVal.width / r.width;
      var x = (e.clientX - r.left) * s, y = (e.clientY - r.top) * s;
      if (x < px || x > px + pw || y < py || y > py + ph) { if (!tipOwner(e.target)) hideTip(); return; }
      var lon = lon0 + (x - px) / pw * (lon1 - lon0), lat = lat1 - (y - py) / ph * (lat1 - lat0);
      var text = lon.toFixed(5) + '\u00b0E, ' + lat.toFixed(5) + '\u00b0N';
      if (vals && vw > 0 && vh > 0) {
        var c = Math.min(vw - 1, Math.floor((x - px) / pw * vw)), k = Math.min(vh - 1, Math.floor((y - py) / ph * vh));
        var v = vals[k * vw + c];
        text += '\n' + (isNaN(v) ? 'no data' : v + ' ' + unit);
      }
      var owner = tipOwner(e.target);
      if (owner) text = owner.getAttribute('data-tip') + '\n' + text;
      showTip(text, e);
    });
    svg.addEventListener('mouseleave', hideTip);
  }

  document.querySelectorAll('svg.ot-chart').forEach(setupChart);
  document.querySelectorAll('svg.ot-map').forEach(setupMap);
  document.documentElement.setAttribute('data-ot-ready', '1');  // the whole script ran
})();
)JS";

}  // namespace orthotrack::report::detail
