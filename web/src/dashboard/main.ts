import '../style.css';
import { graphql } from '../api.ts';
import { type Catalogue, loadCatalogue } from '../catalogue.ts';
import { h } from '../dom.ts';
import { renderHeader } from '../header.ts';
import { half, lang, locale, named, t } from '../i18n.ts';
import { chart } from './charts.ts';

/**
 * The dashboard (/dashboard): the plans' indicators against their targets per district (a year or a
 * quarter), the alerts by rule and state and by quarter first seen, each dataset against its update cycle
 * (late ones in red), and the grant requests past their answer date. Every figure is the API's, asked with
 * the session's key: a district sees its district.
 */

interface Figure {
  district: string | null;
  districtName: string;
  numerator: number;
  denominator: number;
  value: number | null;
  met: boolean | null;
  indicator: { id: string; zh: string; en: string; target: number; unit: string; unitZh: string };
}

interface DashboardApi {
  ready: Promise<void>;
  /** What each section drew: figures, bars, rows; for tests. */
  drawn: Record<string, number>;
  /** The districts the indicators were drawn for (CITY for the city's figure). */
  districts: string[];
  error?: string;
}

declare global {
  interface Window {
    jingtuDashboard: DashboardApi;
  }
}

const api: DashboardApi = { ready: Promise.resolve(), drawn: {}, districts: [] };
window.jingtuDashboard = api;

const GREEN = '#2e7d32';
const RED = '#c62828';
const GREY = '#9e9e9e';
const STATE_COLORS: Record<string, string> = {
  OPEN: '#c62828',
  ACKNOWLEDGED: '#ef6c00',
  RESOLVED: '#2e7d32',
  DISMISSED: '#9e9e9e',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const section = (id: string, title: string, ...children: (Node | string | null)[]) =>
  h('section', { class: 'card', id }, h('h2', {}, title), ...children);
const chartBox = (name: string) => h('div', { class: 'chart', 'data-chart': name });

/** The quarters from the oldest of `count` to the current one, as [label, from, before]. */
function quarters(count: number): [string, string, string][] {
  const now = new Date();
  let year = now.getFullYear();
  let quarter = Math.floor(now.getMonth() / 3) + 1;
  const out: [string, string, string][] = [];
  for (let i = 0; i < count; i++) {
    const from = `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01T00:00:00+08:00`;
    const next = quarter === 4 ? [year + 1, 1] : [year, quarter + 1];
    const before = `${next[0]}-${String((next[1] - 1) * 3 + 1).padStart(2, '0')}-01T00:00:00+08:00`;
    out.unshift([`${year} Q${quarter}`, from, before]);
    [year, quarter] = quarter === 1 ? [year - 1, 4] : [year, quarter - 1];
  }
  return out;
}

async function indicatorsSection(container: HTMLElement, year: number, quarter: number | null) {
  const { data } = await graphql<{
    indicators: {
      from: string;
      to: string;
      figures: Figure[];
      withheld: { indicator: { zh: string; en: string } }[];
    };
  }>(
    `query Indicators($year: Int!, $quarter: Int) { indicators(year: $year, quarter: $quarter) {
      from to withheld { indicator { zh en } }
      figures { district districtName numerator denominator value met indicator { id zh en target unit unitZh } }
    } }`,
    { year, quarter },
  );
  const byIndicator = new Map<string, Figure[]>();
  for (const figure of data.indicators.figures) {
    const list = byIndicator.get(figure.indicator.id) ?? [];
    list.push(figure);
    byIndicator.set(figure.indicator.id, list);
  }
  container.replaceChildren();
  api.drawn.indicators = data.indicators.figures.length;
  api.districts = [...new Set(data.indicators.figures.map((f) => f.district ?? 'CITY'))];
  for (const [id, figures] of byIndicator) {
    const indicator = figures[0].indicator;
    const city = figures.find((f) => f.district === null);
    const districts = figures.filter((f) => f.district !== null);
    const box = chartBox(id);
    container.append(
      h(
        'div',
        { class: 'indicator', 'data-indicator': id },
        h(
          'h3',
          {},
          named(indicator),
          ' ',
          h(
            'span',
            { class: city?.met === false ? 'late' : 'muted' },
            `${t('city')} ${percent(city?.value ?? null)}`,
          ),
          ' · ',
          `${t('target')} ${percent(indicator.target)}`,
        ),
        box,
      ),
    );
    chart(box, {
      grid: { left: 50, right: 20, top: 20, bottom: 70 },
      tooltip: {
        trigger: 'axis',
        formatter: (items: { dataIndex: number }[]) => {
          const f = districts[items[0].dataIndex];
          const unit = lang() === 'zh' ? f.indicator.unitZh : f.indicator.unit;
          // ECharts writes a tooltip as HTML: the API's text goes in escaped.
          return `${escapeHtml(f.districtName)}<br/>${percent(f.value)} (${f.numerator} / ${f.denominator} ${escapeHtml(unit)})`;
        },
      },
      xAxis: {
        type: 'category',
        data: districts.map((f) => f.districtName),
        axisLabel: { rotate: 40, interval: 0 },
      },
      yAxis: {
        type: 'value',
        min: 0,
        max: 1,
        axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
      },
      series: [
        {
          type: 'bar',
          data: districts.map((f) => ({
            value: f.value ?? 0,
            itemStyle: { color: f.met === null ? GREY : f.met ? GREEN : RED },
          })),
          markLine: {
            symbol: 'none',
            data: [{ yAxis: indicator.target, name: t('target') }],
            lineStyle: { color: '#1565c0', type: 'dashed' },
            label: { position: 'insideEndTop', formatter: `${t('target')} ${percent(indicator.target)}` },
          },
        },
      ],
    });
  }
  if (data.indicators.withheld.length)
    container.append(
      h(
        'p',
        { class: 'muted' },
        `${t('withheld')}: ${data.indicators.withheld.map((w) => named(w.indicator)).join('、')}`,
      ),
    );
}

async function alertsSection(container: HTMLElement) {
  const periods = quarters(8);
  const { data } = await graphql<
    Record<string, { rule: string; state: string; count: number }[]> & {
      supervisionRules: { id: string; zh: string; en: string }[];
    }
  >(
    `query AlertsOverTime { supervisionRules { id zh en } all: alertSummary { rule state count }
      ${periods.map((p, i) => `q${i}: alertSummary(firstSeenFrom: "${p[1]}", firstSeenBefore: "${p[2]}") { rule state count }`).join('\n')} }`,
  );
  const states = Object.keys(STATE_COLORS);
  const sum = (rows: { state: string; count: number }[], state: string) =>
    rows.filter((r) => r.state === state).reduce((a, r) => a + r.count, 0);
  const rules = data.supervisionRules;
  const byRule = chartBox('alertsByRule');
  const overTime = chartBox('alertsOverTime');
  container.replaceChildren(
    h('h3', {}, t('alertsByRule')),
    byRule,
    h('h3', {}, t('alertsOverTime')),
    overTime,
  );
  api.drawn.alerts = data.all.reduce((a, r) => a + r.count, 0);
  chart(byRule, {
    grid: { left: 230, right: 20, top: 30, bottom: 20 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value' },
    yAxis: {
      type: 'category',
      data: rules.map((r) => named(r)),
      axisLabel: { width: 220, overflow: 'truncate' },
    },
    series: states.map((state) => ({
      name: state,
      type: 'bar',
      stack: 'state',
      itemStyle: { color: STATE_COLORS[state] },
      data: rules.map((r) =>
        sum(
          data.all.filter((x) => x.rule === r.id),
          state,
        ),
      ),
    })),
  });
  chart(overTime, {
    grid: { left: 50, right: 20, top: 30, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: periods.map((p) => p[0]) },
    yAxis: { type: 'value' },
    series: states.map((state) => ({
      name: state,
      type: 'bar',
      stack: 'state',
      itemStyle: { color: STATE_COLORS[state] },
      data: periods.map((_, i) => sum(data[`q${i}`], state)),
    })),
  });
}

/** An ISO 8601 duration of the catalogue (P1D, P7D, P1M, P3M, P6M, P1Y) in days. */
function cycleDays(cycle: string): number {
  const match = /^P(\d+)([DWMY])$/.exec(cycle);
  if (!match) return Number.NaN;
  return Number(match[1]) * { D: 1, W: 7, M: 30.44, Y: 365.25 }[match[2] as 'D' | 'W' | 'M' | 'Y'];
}

async function freshnessSection(container: HTMLElement) {
  const { data } = await graphql<{
    catalog: {
      name: string;
      zh: string;
      en: string;
      owner: string;
      updateCycle: string;
      freshness: { lastPublishedAt: string | null; stale: boolean; checkedAt: string } | null;
    }[];
  }>(
    'query Freshness { catalog { name zh en owner updateCycle freshness { lastPublishedAt stale checkedAt } } }',
  );
  const rows = data.catalog
    .filter((d) => d.freshness)
    .sort(
      (a, b) => Number(b.freshness?.stale) - Number(a.freshness?.stale) || a.owner.localeCompare(b.owner),
    );
  api.drawn.freshness = rows.length;
  api.drawn.stale = rows.filter((d) => d.freshness?.stale).length;
  if (!rows.length) {
    container.replaceChildren(h('p', { class: 'muted' }, t('freshnessHidden')));
    return;
  }
  const now = Date.now();
  container.replaceChildren(
    h(
      'table',
      { class: 'data' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[t('dataset'), t('owner'), t('updateCycle'), t('lastPublished'), t('state')].map((c) =>
            h('th', {}, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((d) => {
          const last = d.freshness?.lastPublishedAt ? new Date(d.freshness.lastPublishedAt) : null;
          const age = last ? (now - last.getTime()) / 86_400_000 : null;
          return h(
            'tr',
            { 'data-dataset': d.name, class: d.freshness?.stale ? 'late' : '' },
            h('td', {}, named(d)),
            h('td', {}, d.owner),
            h('td', {}, d.updateCycle),
            h(
              'td',
              {},
              last
                ? `${last.toLocaleDateString(locale())} (${Math.floor(age ?? 0)} / ${Math.round(cycleDays(d.updateCycle))} ${t('days')})`
                : '—',
            ),
            h('td', {}, d.freshness?.stale ? t('late') : t('onTime')),
          );
        }),
      ),
    ),
  );
}

async function grantsSection(container: HTMLElement) {
  const { data } = await graphql<{
    accessGrants: {
      totalCount: number;
      nodes: {
        id: string;
        datasetZh: string;
        dataset: string;
        requester: string;
        requestedAt: string;
        answerDueBy: string;
        purpose: string;
      }[];
    };
  }>(
    `query OverdueGrants { accessGrants(overdue: true, status: [PENDING], first: 100) {
      totalCount nodes { id dataset datasetZh requester requestedAt answerDueBy purpose } } }`,
  );
  const grants = data.accessGrants;
  api.drawn.overdueGrants = grants.totalCount;
  container.replaceChildren(
    h('p', { class: grants.totalCount ? 'late' : 'muted' }, `${t('overdueGrants')}: ${grants.totalCount}`),
    ...(grants.nodes.length
      ? [
          h(
            'table',
            { class: 'data' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[t('dataset'), t('requester'), t('requestedAt'), t('answerDueBy'), t('purpose')].map((c) =>
                  h('th', {}, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              ...grants.nodes.map((g) =>
                h(
                  'tr',
                  { 'data-grant': g.id, class: 'late' },
                  h('td', {}, lang() === 'zh' ? g.datasetZh : g.dataset),
                  h('td', {}, g.requester),
                  h('td', {}, new Date(g.requestedAt).toLocaleDateString(locale())),
                  h('td', {}, new Date(g.answerDueBy).toLocaleDateString(locale())),
                  h('td', {}, g.purpose),
                ),
              ),
            ),
          ),
        ]
      : []),
  );
}

/** Runs a section, showing its failure in place of its content (one section's refusal spoils no other). */
async function guarded(container: HTMLElement, draw: () => Promise<void>) {
  container.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  try {
    await draw();
  } catch (error) {
    container.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${half((error as Error).message)}`));
  }
}

async function start() {
  const root = document.getElementById('app') as HTMLElement;
  let catalogue: Catalogue;
  try {
    catalogue = await loadCatalogue();
  } catch (error) {
    root.replaceChildren(renderHeader('dashboard', null, error));
    api.error = (error as Error).message;
    return;
  }
  const main = h('main', { class: 'dashboard' });
  root.replaceChildren(renderHeader('dashboard', catalogue.caller), main);
  if (!catalogue.caller.code) {
    main.append(h('p', { class: 'card' }, t('dashboardNeedsKey')));
    return;
  }
  const thisYear = new Date().getFullYear();
  const year = h(
    'select',
    { name: 'year' },
    ...[0, 1, 2, 3, 4].map((n) => h('option', { value: String(thisYear - n) }, String(thisYear - n))),
  );
  const quarter = h(
    'select',
    { name: 'quarter' },
    h('option', { value: '' }, t('wholeYear')),
    ...[1, 2, 3, 4].map((q) => h('option', { value: String(q) }, `Q${q}`)),
  );
  const indicators = h('div', { class: 'indicators' });
  const drawIndicators = () =>
    guarded(indicators, () =>
      indicatorsSection(indicators, Number(year.value), quarter.value ? Number(quarter.value) : null),
    );
  year.addEventListener('change', drawIndicators);
  quarter.addEventListener('change', drawIndicators);
  const alerts = h('div', {});
  const freshness = h('div', {});
  const grants = h('div', {});
  main.append(
    section(
      'indicators',
      t('indicators'),
      h(
        'div',
        { class: 'controls' },
        h('label', {}, t('yearOf'), year),
        h('label', {}, t('quarter'), quarter),
      ),
      indicators,
    ),
    section('alerts', t('alerts'), alerts),
    section('freshness', t('freshness'), freshness),
    section('grants', t('overdueGrants'), grants),
  );
  await Promise.all([
    drawIndicators(),
    guarded(alerts, () => alertsSection(alerts)),
    guarded(freshness, () => freshnessSection(freshness)),
    guarded(grants, () => grantsSection(grants)),
  ]);
}

api.ready = start().catch((error: Error) => {
  api.error = error.message;
});
