/**
 * Throughput charts: one panel per algorithm and operation, message size on a log2 x axis, MB/s on a
 * log10 y axis (native AES and WASM differ by 20x, so a linear axis would flatten one of them), one line
 * per backend with a marker per measured point.
 */
import { formatSize } from '../cipher/catalog.js';
import type { CaseResult } from '../cipher/results.js';
import { document, element, line, polyline, text } from './svg.js';

const COLORS: Record<string, string> = {
  'wasm-simd': '#d62728',
  wasm: '#ff7f0e',
  native: '#1f77b4',
  js: '#2ca02c',
  auto: '#7f7f7f',
};
const PANEL = { width: 400, height: 270, left: 58, right: 26, top: 30, bottom: 40 };
const COLUMNS = 2;

export interface ChartOptions {
  title: string;
  subtitle?: string;
}

export function throughputChart(results: CaseResult[], options: ChartOptions): string {
  const measured = results.filter((r) => r.status === 'measured' && r.mbPerSec && r.mbPerSec > 0);
  const panels = [...new Set(measured.map((r) => `${r.algorithm} ${r.operation}`))];
  const rows = Math.max(1, Math.ceil(panels.length / COLUMNS));
  const header = 50;
  const width = PANEL.width * COLUMNS;
  const height = header + rows * PANEL.height;
  const children = [
    element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    text(12, 20, options.title, { 'font-size': 15, 'font-weight': 'bold' }),
  ];
  if (options.subtitle) children.push(text(12, 38, options.subtitle, { fill: '#555555' }));
  panels.forEach((name, i) => {
    const x = (i % COLUMNS) * PANEL.width;
    const y = header + Math.floor(i / COLUMNS) * PANEL.height;
    const rows = measured.filter((r) => `${r.algorithm} ${r.operation}` === name);
    children.push(element('g', { transform: `translate(${x},${y})` }, panel(name, rows)));
  });
  if (panels.length === 0) children.push(text(12, header + 20, 'no measured cases'));
  return document(width, height, children);
}

function panel(name: string, rows: CaseResult[]): string[] {
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => a - b);
  const values = rows.map((r) => r.mbPerSec!);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const xMin = Math.log2(sizes[0]!);
  const xSpan = Math.max(1, Math.log2(sizes[sizes.length - 1]!) - xMin);
  const ySpan = Math.max(1, Math.log10(yMax) - Math.log10(yMin));
  const px = (size: number) => PANEL.left + ((Math.log2(size) - xMin) / xSpan) * plotW;
  const py = (mbps: number) => PANEL.top + plotH - ((Math.log10(mbps) - Math.log10(yMin)) / ySpan) * plotH;

  const out: string[] = [text(PANEL.left, 18, name, { 'font-size': 13, 'font-weight': 'bold' })];
  out.push(element('rect', { x: PANEL.left, y: PANEL.top, width: plotW, height: plotH, fill: 'none', stroke: '#999999' }));
  for (let decade = yMin; decade <= yMax * 1.0001; decade *= 10) {
    const y = py(decade);
    out.push(line(PANEL.left, y, PANEL.left + plotW, y, { stroke: '#e5e5e5' }));
    out.push(text(PANEL.left - 6, y + 4, formatMbps(decade), { 'text-anchor': 'end', fill: '#444444' }));
  }
  for (const size of sizes) {
    const x = px(size);
    out.push(line(x, PANEL.top, x, PANEL.top + plotH, { stroke: '#f0f0f0' }));
    out.push(text(x, PANEL.top + plotH + 14, formatSize(size), { 'text-anchor': 'middle', fill: '#444444' }));
  }
  out.push(text(PANEL.left + plotW / 2, PANEL.height - 8, 'message size (log)', { 'text-anchor': 'middle', fill: '#666666' }));
  out.push(text(14, PANEL.top + plotH / 2, 'MB/s (log)', { 'text-anchor': 'middle', fill: '#666666', transform: `rotate(-90 14 ${PANEL.top + plotH / 2})` }));

  const backends = [...new Set(rows.map((r) => r.backend))];
  let legendX = PANEL.left + 6;
  backends.forEach((backend) => {
    const color = COLORS[backend] ?? '#000000';
    const points = rows
      .filter((r) => r.backend === backend)
      .sort((a, b) => a.size - b.size)
      .map((r): [number, number] => [px(r.size), py(r.mbPerSec!)]);
    const dash = backend === 'auto' ? '5,3' : undefined;
    out.push(element('g', { class: `series series-${backend}`, 'data-backend': backend }, [
      polyline(points, { stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash }),
      ...points.map(([x, y]) => element('circle', { cx: x, cy: y, r: 2.5, fill: color })),
    ]));
    const lx = legendX;
    legendX += 25 + backend.length * 6;
    out.push(line(lx, PANEL.top + 10, lx + 14, PANEL.top + 10, { stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash }));
    out.push(text(lx + 17, PANEL.top + 14, backend, { fill: '#222222', 'font-size': 10 }));
  });
  return out;
}

function formatMbps(value: number): string {
  return value >= 1000 ? `${value / 1000}k` : value >= 1 ? String(value) : value.toPrecision(1);
}
