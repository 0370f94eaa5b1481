// chart.js: the overview's per-minute bar chart (started / completed /
// failed), an inline SVG built with createElementNS, labelled for screen
// readers with a summary.

import { h, svg, absTime } from './dom.js';

const SERIES = ['started', 'completed', 'failed'];

export function activityChart(buckets, bucketMs) {
  const n = Math.max(buckets.length, 1);
  const width = n * 10;
  const height = 100;
  const max = Math.max(1, ...buckets.flatMap((b) => SERIES.map((s) => Number(b[s]) || 0)));
  const totals = Object.fromEntries(SERIES.map((s) => [s, buckets.reduce((a, b) => a + (Number(b[s]) || 0), 0)]));
  let busiest = null;
  for (const b of buckets) if (!busiest || (b.started || 0) > (busiest.started || 0)) busiest = b;
  const minutes = Math.round((n * bucketMs) / 60000);
  let summary = `Per-minute activity over the last ${minutes} minutes: ${totals.started} started, ` +
    `${totals.completed} completed, ${totals.failed} failed.`;
  if (busiest && busiest.started) summary += ` Busiest minute ${absTime(busiest.at).slice(11, 16)} with ${busiest.started} started.`;

  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': summary, class: 'chart', id: 'activity-chart', focusable: 'false' },
    svg('title', {}, summary),
    svg('line', { x1: '0', x2: String(width), y1: String(height - 0.5), y2: String(height - 0.5), class: 'chart-axis' }));
  buckets.forEach((b, i) => {
    const group = svg('g', {}, svg('title', {}, `${absTime(b.at).slice(11, 16)}: ${b.started || 0} started, ${b.completed || 0} completed, ${b.failed || 0} failed`));
    // A transparent full-height rectangle so the tooltip has a target.
    group.append(svg('rect', { x: String(i * 10), y: '0', width: '10', height: String(height), class: 'chart-hit' }));
    SERIES.forEach((s, k) => {
      const v = Number(b[s]) || 0;
      if (!v) return;
      const barHeight = Math.max(1.5, (v / max) * (height - 4));
      group.append(svg('rect', { x: String(i * 10 + 0.5 + k * 3), y: String(height - barHeight), width: '3', height: String(barHeight), class: 'bar bar-' + s }));
    });
    chart.append(group);
  });
  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' },
    SERIES.map((s) => h('li', {}, h('span', { class: 'swatch bar-' + s }), s)));
  const axis = h('div', { class: 'chart-scale', 'aria-hidden': 'true' },
    h('span', {}, `${minutes} min ago`), h('span', {}, `max ${max}/min`), h('span', {}, 'now'));
  return h('figure', { class: 'chart-figure' }, chart, axis, legend);
}
