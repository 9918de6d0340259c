/**
 * The proxy benchmark's chart: bars of CPU-s per GB and KiB per idle connection per scenario, each with
 * its target drawn as a dashed line, and, after a soak, the proxy's RSS over time.
 */
import type { ProxyBenchReport } from '../proxy/run.js';
import { document, element, line, polyline, text } from './svg.js';

const W = 380;
const H = 250;
const PAD = { left: 56, right: 16, top: 34, bottom: 46 };

interface Bar {
  label: string;
  value: number | undefined;
}

export function proxyChart(report: ProxyBenchReport, subtitle: string): string {
  const scenarioLabel = (s: { secret: string; fastMode: boolean; upstream?: string }) => `${s.secret} ${s.upstream === 'middle' ? 'middle' : s.fastMode ? 'fast' : 'normal'}`;
  const panels = [
    barPanel('proxy CPU-s per GB relayed', report.scenarios.map((s) => ({ label: scenarioLabel(s), value: s.throughput?.cpuSecondsPerGB })), 1.0),
    barPanel('KiB RSS per idle connection', report.scenarios.map((s) => ({ label: scenarioLabel(s), value: s.idleMemory ? s.idleMemory.bytesPerConnection / 1024 : undefined })), 12),
  ];
  if (report.soak) panels.push(soakPanel(report.soak.samples.map((x) => [x.seconds, x.rssBytes / 2 ** 20])));
  const width = W * panels.length;
  const height = H + 50;
  const children = [
    element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    text(12, 20, 'mtshield proxy benchmark', { 'font-size': 15, 'font-weight': 'bold' }),
    text(12, 38, subtitle, { fill: '#555555' }),
    ...panels.map((p, i) => element('g', { transform: `translate(${i * W},50)` }, p)),
  ];
  return document(width, height, children);
}

function frame(title: string): { out: string[]; plotW: number; plotH: number } {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const out = [
    text(PAD.left, 18, title, { 'font-size': 13, 'font-weight': 'bold' }),
    element('rect', { x: PAD.left, y: PAD.top, width: plotW, height: plotH, fill: 'none', stroke: '#999999' }),
  ];
  return { out, plotW, plotH };
}

function yAxis(out: string[], max: number, plotH: number): (v: number) => number {
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(line(PAD.left, y(v), W - PAD.right, y(v), { stroke: '#eeeeee' }));
    out.push(text(PAD.left - 6, y(v) + 4, v >= 10 ? v.toFixed(0) : v.toFixed(1), { 'text-anchor': 'end', fill: '#444444' }));
  }
  return y;
}

function barPanel(title: string, bars: Bar[], target: number): string[] {
  const { out, plotW, plotH } = frame(title);
  const max = Math.max(target * 1.25, ...bars.map((b) => b.value ?? 0)) * 1.05;
  const y = yAxis(out, max, plotH);
  const slot = plotW / Math.max(1, bars.length);
  bars.forEach((bar, i) => {
    const x = PAD.left + i * slot + slot * 0.2;
    if (bar.value !== undefined && Number.isFinite(bar.value)) {
      const fill = bar.value <= target ? '#2ca02c' : '#d62728';
      out.push(element('rect', { x, y: y(bar.value), width: slot * 0.6, height: PAD.top + plotH - y(bar.value), fill }));
      out.push(text(x + slot * 0.3, y(bar.value) - 4, bar.value.toFixed(bar.value >= 100 ? 0 : bar.value >= 10 ? 1 : 2), { 'text-anchor': 'middle', 'font-size': 10 }));
    } else {
      out.push(text(x + slot * 0.3, PAD.top + plotH - 6, 'n/a', { 'text-anchor': 'middle', fill: '#999999' }));
    }
    out.push(text(x + slot * 0.3, PAD.top + plotH + 14, bar.label, { 'text-anchor': 'middle', 'font-size': 10, fill: '#444444' }));
  });
  out.push(line(PAD.left, y(target), W - PAD.right, y(target), { stroke: '#000000', 'stroke-dasharray': '5,3' }));
  out.push(text(W - PAD.right - 2, y(target) - 4, `target ${target}`, { 'text-anchor': 'end', 'font-size': 10 }));
  return out;
}

function soakPanel(points: Array<[number, number]>): string[] {
  const { out, plotW, plotH } = frame('proxy RSS (MiB) during the soak');
  const max = Math.max(1, ...points.map((p) => p[1])) * 1.1;
  const tMax = Math.max(1, ...points.map((p) => p[0]));
  const y = yAxis(out, max, plotH);
  const x = (t: number) => PAD.left + (t / tMax) * plotW;
  out.push(polyline(points.map(([t, v]): [number, number] => [x(t), y(v)]), { stroke: '#1f77b4', 'stroke-width': 2 }));
  out.push(text(PAD.left + plotW / 2, H - 8, `seconds (0 … ${tMax.toFixed(0)})`, { 'text-anchor': 'middle', fill: '#666666' }));
  return out;
}
