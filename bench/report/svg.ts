/**
 * A minimal SVG writer (SVG 1.1): elements as strings with escaped attributes and text, nothing more.
 * Enough for line charts without a chart library.
 */
export type Attributes = Record<string, string | number | undefined>;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? round(v) : v!)}"`)
    .join('');
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function element(name: string, attrs: Attributes, children: string[] | string = []): string {
  const body = typeof children === 'string' ? escapeXml(children) : children.join('');
  return body.length === 0 ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${body}</${name}>`;
}

export function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return element('text', { x, y, ...attrs }, content);
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs: Attributes = {}): string {
  return element('line', { x1, y1, x2, y2, ...attrs });
}

export function polyline(points: Array<[number, number]>, attrs: Attributes = {}): string {
  return element('polyline', { points: points.map(([x, y]) => `${round(x)},${round(y)}`).join(' '), fill: 'none', ...attrs });
}

export function document(width: number, height: number, children: string[]): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    element(
      'svg',
      { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': 'sans-serif', 'font-size': 11 },
      children,
    ) +
    '\n'
  );
}
