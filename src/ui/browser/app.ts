// The dashboard: plain DOM and SVG over the admin API, no framework (the gateway serves it offline).
import { barChart } from './chart.ts';

interface UsageRow {
  bucket?: string;
  group?: string | null;
  requests: number;
  errors: number;
  errorRate: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
}

interface Attempt {
  provider: string;
  model: string | null;
  outcome: string;
  ms: number;
}

interface StoredRequest {
  id: number;
  time: string;
  requestId: string;
  key: string | null;
  user: string | null;
  session: string | null;
  clientFormat: string;
  route: string;
  provider: string | null;
  model: string | null;
  selectedBy: string | null;
  status: number;
  errorCode: string | null;
  inputTokens: number | null;
  cachedInputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  latencyMs: number;
  ttfbMs: number | null;
  attempts: Attempt[];
  streamed: boolean;
  gatewayHeaders: Record<string, string>;
  requestBody?: string | null;
  responseBody?: string | null;
}

const KEY_STORAGE = 'switchyard-admin-key';
const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;

function el(tag: string, text?: string | number, className?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function api<T>(path: string): Promise<T> {
  const key = sessionStorage.getItem(KEY_STORAGE);
  const response = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body as T;
}

const usd = (value: number | null) =>
  value === null ? '–' : value >= 1 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2).replace(/\.?0+$/, '')}`;
const count = (value: number) =>
  value >= 1e6 ? `${(value / 1e6).toFixed(1)}M` : value >= 1e4 ? `${(value / 1e3).toFixed(1)}k` : String(value);
const ms = (value: number | null) =>
  value === null ? '–' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function notice(message: string | undefined): void {
  const box = $('#notice');
  box.hidden = message === undefined;
  box.textContent = message ?? '';
}

function range(): { from: string; hours: number } {
  const hours = Number($<HTMLSelectElement>('#range').value);
  return { from: new Date(Date.now() - hours * 3_600_000).toISOString(), hours };
}

async function loadUsage(): Promise<void> {
  const { from, hours } = range();
  const interval = hours > 48 ? 'day' : 'hour';
  const [totals, series, ...groups] = await Promise.all([
    api<{ data: UsageRow[] }>(`/v1/gateway/usage?from=${from}`),
    api<{ data: UsageRow[] }>(`/v1/gateway/usage?from=${from}&interval=${interval}`),
    ...['key', 'user', 'model', 'provider'].map((by) =>
      api<{ data: UsageRow[] }>(`/v1/gateway/usage?from=${from}&group_by=${by}`),
    ),
  ]);
  const total = totals.data[0];
  const cards: [string, string][] = [
    ['requests', count(total?.requests ?? 0)],
    ['spend', usd(total?.costUsd ?? 0)],
    ['tokens in / out', `${count(total?.inputTokens ?? 0)} / ${count(total?.outputTokens ?? 0)}`],
    ['error rate', percent(total?.errorRate ?? 0)],
    ['p95 latency', ms(total ? total.p95LatencyMs : null)],
  ];
  $('#overview').replaceChildren(
    ...cards.map(([label, value]) => {
      const card = el('div', undefined, 'card');
      card.append(el('b', value), el('span', label));
      return card;
    }),
  );
  const points = (pick: (row: UsageRow) => number) =>
    series.data.map((row) => ({
      label: (row.bucket ?? '').slice(interval === 'day' ? 5 : 11, interval === 'day' ? 10 : 16),
      value: pick(row),
    }));
  $('#chart-requests').replaceChildren(barChart(points((r) => r.requests)));
  $('#chart-spend').replaceChildren(barChart(points((r) => r.costUsd)));
  $('#chart-tokens').replaceChildren(barChart(points((r) => r.inputTokens + r.outputTokens)));
  $('#chart-errors').replaceChildren(barChart(points((r) => r.errorRate)));
  $('#chart-latency').replaceChildren(barChart(points((r) => r.p95LatencyMs)));
  for (const [index, by] of ['key', 'user', 'model', 'provider'].entries())
    breakdown(`#by-${by}`, groups[index]?.data ?? []);
}

function breakdown(selector: string, rows: UsageRow[]): void {
  const max = Math.max(...rows.map((r) => r.costUsd), 1e-12);
  const head = el('tr');
  head.append(el('th', 'name'), el('th', 'spend'), el('th', 'reqs'), el('th', 'err %'));
  const body = rows
    .sort((a, b) => b.costUsd - a.costUsd)
    .slice(0, 8)
    .map((row) => {
      const tr = el('tr');
      const spend = el('td', undefined, 'num');
      const meter = el('span', undefined, 'meter');
      meter.style.width = `${Math.round((row.costUsd / max) * 24)}px`;
      spend.append(meter, usd(row.costUsd));
      tr.append(
        el('td', row.group ?? '(none)'),
        spend,
        el('td', row.requests, 'num'),
        el('td', percent(row.errorRate), 'num'),
      );
      return tr;
    });
  $(selector).replaceChildren(head, ...body);
}

let selected: string | undefined;

async function loadRequests(): Promise<void> {
  const query = new URLSearchParams({ limit: '25' });
  for (const input of $<HTMLFormElement>('#filters').querySelectorAll('input'))
    if (input.value.trim()) query.set(input.name, input.value.trim());
  const { data } = await api<{ data: StoredRequest[] }>(`/v1/gateway/requests?${query}`);
  $('#requests tbody').replaceChildren(
    ...data.map((r) => {
      const tr = el('tr');
      tr.dataset.requestId = r.requestId;
      const tokens = r.inputTokens === null ? '–' : `${r.inputTokens} / ${r.outputTokens}`;
      tr.append(
        el('td', new Date(r.time).toLocaleTimeString()),
        el('td', r.requestId),
        el('td', r.key ?? '–'),
        el('td', r.user ?? '–'),
        el('td', `${r.provider ?? '–'} / ${r.model ?? '–'}${r.streamed ? ' (stream)' : ''}`),
        el('td', r.status, r.status >= 400 ? 'bad' : undefined),
        el('td', tokens, 'num'),
        el('td', usd(r.costUsd), 'num'),
        el('td', ms(r.latencyMs), 'num'),
        el('td', r.attempts.length, r.attempts.length > 1 ? 'bad' : 'num'),
      );
      tr.addEventListener('click', () => {
        selected = r.requestId;
        history.replaceState(null, '', `#request=${encodeURIComponent(r.requestId)}`);
        void showDetail(r.requestId);
      });
      return tr;
    }),
  );
}

async function showDetail(requestId: string): Promise<void> {
  const { data } = await api<{ data: StoredRequest[] }>(`/v1/gateway/requests/${encodeURIComponent(requestId)}`);
  const r = data[0];
  const box = $('#detail');
  if (!r) return void (box.hidden = true);
  const facts: [string, string][] = [
    ['request id', r.requestId],
    ['time', new Date(r.time).toISOString()],
    ['route / format', `${r.route} (${r.clientFormat})`],
    ['key / user / session', `${r.key ?? '–'} / ${r.user ?? '–'} / ${r.session ?? '–'}`],
    ['selected by', r.selectedBy ?? '–'],
    [
      'fallback path',
      r.attempts.map((a) => `${a.provider}/${a.model ?? '?'} → ${a.outcome} (${a.ms} ms)`).join('  ⇒  ') || '–',
    ],
    ['status', `${r.status}${r.errorCode ? ` ${r.errorCode}` : ''}`],
    [
      'usage',
      r.inputTokens === null
        ? '–'
        : `input ${r.inputTokens} (cached ${r.cachedInputTokens ?? 0}), output ${r.outputTokens} (reasoning ${r.reasoningTokens ?? 0})`,
    ],
    ['cost', usd(r.costUsd)],
    ['latency / first byte', `${ms(r.latencyMs)} / ${ms(r.ttfbMs)}`],
  ];
  const list = el('dl');
  for (const [name, value] of facts) list.append(el('dt', name), el('dd', value));
  const headers = el(
    'pre',
    Object.entries(r.gatewayHeaders)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  );
  box.replaceChildren(el('h2', 'Request detail'), list, el('h2', 'Headers the gateway added'), headers);
  if (r.requestBody) box.append(el('h2', 'Request body'), el('pre', r.requestBody));
  if (r.responseBody) box.append(el('h2', 'Response body'), el('pre', r.responseBody));
  box.hidden = false;
}

async function loadStatus(): Promise<void> {
  const [status, config] = await Promise.all([
    api<{
      strategy: string;
      targets: {
        provider: string;
        model: string;
        state: string;
        recentErrors: number;
        recentRequests: number;
        coolingUntil?: string;
      }[];
    }>('/v1/gateway/status'),
    api<unknown>('/v1/gateway/config'),
  ]);
  const head = el('tr');
  head.append(el('th', 'target'), el('th', 'state'), el('th', 'recent errors'), el('th', 'cooling until'));
  const rows = status.targets.map((t) => {
    const tr = el('tr');
    tr.append(
      el('td', `${t.provider}/${t.model}`),
      el('td', t.state, t.state === 'healthy' ? undefined : 'bad'),
      el('td', `${t.recentErrors} / ${t.recentRequests}`, 'num'),
      el('td', t.coolingUntil ? new Date(t.coolingUntil).toLocaleTimeString() : '–'),
    );
    return tr;
  });
  if (rows.length === 0) {
    const tr = el('tr');
    tr.append(el('td', `no traffic yet (strategy: ${status.strategy})`));
    rows.push(tr);
  }
  $('#health').replaceChildren(head, ...rows);
  $('#config').textContent = JSON.stringify(config, null, 2);
}

async function refresh(all: boolean): Promise<void> {
  try {
    await Promise.all([
      loadRequests(),
      ...(all ? [loadUsage(), loadStatus(), ...(selected ? [showDetail(selected)] : [])] : []),
    ]);
    notice(undefined);
  } catch (error) {
    console.error(error);
    notice(`${(error as Error).message} — enter an admin key (ADMIN_API_KEYS) above.`);
  }
}

$<HTMLFormElement>('#login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $<HTMLInputElement>('#key').value);
  $<HTMLInputElement>('#key').value = '';
  void refresh(true);
});
$('#range').addEventListener('change', () => void refresh(true));
$('#filters').addEventListener('input', () => void loadRequests().catch(() => {}));

// `/ui#request=<id>` opens with that request's detail.
const linked = /^#request=(.+)$/.exec(location.hash);
if (linked) {
  selected = decodeURIComponent(linked[1] as string);
  void showDetail(selected).catch(() => {});
}

// The requests table is live (every second); totals, charts and health every ten.
let ticks = 0;
void refresh(true);
setInterval(() => {
  if (document.hidden) return;
  ticks++;
  void refresh(ticks % 10 === 0);
}, 1000);
