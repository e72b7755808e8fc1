const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 90;
const AXIS = 12;

/** A bar per time bucket, with the largest value and the first and last labels: enough to read a trend. */
export function barChart(points: { label: string; value: number }[]): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const text = (x: number, y: number, content: string, anchor = 'start') => {
    const node = document.createElementNS(SVG, 'text');
    node.setAttribute('x', String(x));
    node.setAttribute('y', String(y));
    node.setAttribute('class', 'axis');
    node.setAttribute('text-anchor', anchor);
    node.textContent = content;
    svg.append(node);
  };
  if (points.length === 0) {
    text(WIDTH / 2, HEIGHT / 2, 'no requests in this range', 'middle');
    return svg;
  }
  const max = Math.max(...points.map((p) => p.value)) || 1;
  const slot = WIDTH / points.length;
  const plot = HEIGHT - AXIS - 10;
  for (const [index, point] of points.entries()) {
    const height = Math.max((point.value / max) * plot, point.value > 0 ? 1 : 0);
    const bar = document.createElementNS(SVG, 'rect');
    bar.setAttribute('class', 'bar');
    bar.setAttribute('x', String(index * slot + slot * 0.1));
    bar.setAttribute('width', String(Math.max(slot * 0.8, 1)));
    bar.setAttribute('y', String(10 + plot - height));
    bar.setAttribute('height', String(height));
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${point.label}: ${point.value}`;
    bar.append(title);
    svg.append(bar);
  }
  text(0, 8, `max ${Number(max.toPrecision(3))}`);
  text(0, HEIGHT - 1, points[0]?.label ?? '');
  if (points.length > 1) text(WIDTH, HEIGHT - 1, points.at(-1)?.label ?? '', 'end');
  return svg;
}
