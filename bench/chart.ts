// Draws bench/results/chart.svg from the saved runs (bench/results/*.json, oldest first):
// throughput, broker CPU per GB and latency, one line per figure. Plain SVG written by hand.
//
//   node bench/chart.ts          (npm run bench -- --save redraws it too)

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Series {
  key: string;
  label: string;
  color: string;
  /** Dashed (an SVG stroke-dasharray), for a second client's line of the same figure. */
  dash?: string;
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const PANELS: Panel[] = [
  {
    title: 'Throughput, 1 KiB records (kcat)',
    unit: 'MB/s',
    series: [
      { key: 'produce_1k_mb_s', label: 'produce', color: '#1f77b4' },
      { key: 'fetch_1k_mb_s', label: 'fetch', color: '#2ca02c' },
    ],
  },
  {
    title: 'Broker CPU per GB',
    unit: 'CPU s/GB',
    series: [
      { key: 'cpu_s_per_gb_produce', label: 'produce', color: '#1f77b4' },
      { key: 'cpu_s_per_gb_fetch', label: 'fetch', color: '#2ca02c' },
    ],
  },
  {
    title: 'Latency at 50 MB/s, acks=1, p99 (librdkafka; dashed: Runnel\'s client)',
    unit: 'ms',
    series: [
      { key: 'produce_p99_ms', label: 'produce', color: '#d62728' },
      { key: 'e2e_p99_ms', label: 'end to end', color: '#9467bd' },
      { key: 'produce_p99_ms_runnel_client', label: 'produce, ours', color: '#d62728', dash: '5 3' },
      { key: 'e2e_p99_ms_runnel_client', label: 'e2e, ours', color: '#9467bd', dash: '5 3' },
    ],
  },
];

const WIDTH = 760;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 70, right: 150, top: 34, bottom: 46 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A round step for about five grid lines up to `max`. */
function niceStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw)! * magnitude;
  return step;
}

function panelSvg(panel: Panel, runs: { name: string; data: Record<string, unknown> }[], top: number): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const values = runs.flatMap((r) => panel.series.map((s) => r.data[s.key])).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const max = Math.max(...values, 1e-9);
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const x = (i: number): number => x0 + (runs.length === 1 ? plotW / 2 : (i * plotW) / (runs.length - 1));
  const y = (v: number): number => y0 + plotH - (v / yMax) * plotH;
  const out: string[] = [`<text x="${x0}" y="${top + 20}" font-weight="bold">${escape(panel.title)}</text>`];
  for (let v = 0; v <= yMax + step / 2; v += step) {
    out.push(`<line x1="${x0}" x2="${x0 + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${Number(v.toPrecision(6))}</text>`);
  }
  out.push(`<text x="14" y="${y0 + plotH / 2}" font-size="11" transform="rotate(-90 14 ${y0 + plotH / 2})" text-anchor="middle">${escape(panel.unit)}</text>`);
  runs.forEach((r, i) => {
    out.push(`<text x="${x(i).toFixed(1)}" y="${y0 + plotH + 16}" text-anchor="middle" font-size="10">${escape(r.name)}</text>`);
  });
  panel.series.forEach((s, si) => {
    const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`;
    const points = runs
      .map((r, i) => [i, r.data[s.key]] as const)
      .filter((p): p is readonly [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
    if (points.length > 1) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const [i, v] of points) out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${escape(`${s.label}: ${v.toFixed(2)} ${panel.unit}`)}</title></circle>`);
    const ly = y0 + 10 + si * 18;
    out.push(`<line x1="${x0 + plotW + 16}" x2="${x0 + plotW + 36}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${x0 + plotW + 42}" y="${ly + 4}" font-size="12">${escape(s.label)}</text>`);
  });
  return out.join('\n');
}

/** Writes `<resultsDir>/chart.svg` from the JSON files there; returns its path. */
export function renderChart(resultsDir: string): string {
  const runs = readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), data: JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as Record<string, unknown> }));
  const height = PANELS.length * PANEL_HEIGHT;
  const body = PANELS.map((p, i) => panelSvg(p, runs, i * PANEL_HEIGHT)).join('\n');
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
  const path = join(resultsDir, 'chart.svg');
  writeFileSync(path, svg);
  return path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(renderChart(fileURLToPath(new URL('./results/', import.meta.url))));
}
