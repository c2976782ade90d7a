import type { ReferenceData } from '../../datasets/reference.js';
import { escapeHtml } from '../../domain/html.js';
import { SEVERITIES, type Severity } from '../rule.js';
import { ruleById } from '../rules/index.js';
import type { IndicatorFigure, IndicatorReport } from './service.js';

/**
 * The quarterly district evaluation (按季度评价各区) as one printable Chinese HTML page: the indicators of
 * each district against their targets, then the alerts open in each district by severity and rule. Plain
 * HTML with its CSS inline: nothing is fetched (offline networks), and it prints on A4.
 */

/** Alerts open (OPEN or ACKNOWLEDGED) the caller sees, counted by rule and district. */
export interface OpenAlertCount {
  rule: string;
  district: string | null;
  count: number;
}

export interface QuarterlyReportInput {
  report: IndicatorReport;
  alerts: readonly OpenAlertCount[];
  reference: ReferenceData;
  /** Who asked, by name: the report says whose view of the data it is. */
  viewer: string;
  generatedAt: Date;
}

const SEVERITY_ZH: Record<Severity, string> = { HIGH: '高', MEDIUM: '中', LOW: '低' };

const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(2)}%`);
const amount = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function areaName(reference: ReferenceData, district: string | null): string {
  return district === null ? '全市' : (reference.districts.get(district)?.nameZh ?? district);
}

function figureCell(figure: IndicatorFigure | undefined): string {
  if (!figure) return '<td>—</td>';
  const mark = figure.met === null ? '无数据' : figure.met ? '达标' : '未达标';
  const state = figure.met === null ? 'none' : figure.met ? 'met' : 'missed';
  return `<td class="${state}"><b>${percent(figure.value)}</b><br><small>${amount(figure.numerator)} / ${amount(
    figure.denominator,
  )} ${escapeHtml(figure.indicator.unit.zh)} · ${mark}</small></td>`;
}

export function quarterlyReportHtml({
  report,
  alerts,
  reference,
  viewer,
  generatedAt,
}: QuarterlyReportInput): string {
  const { period } = report;
  const title = `${period.year}年${period.quarter ? `第${period.quarter}季度` : '全年'}土壤污染防治考核指标评价`;
  const shown = [...new Map(report.figures.map((f) => [f.indicator.id, f.indicator])).values()];
  const figureOf = new Map(report.figures.map((f) => [`${f.indicator.id}|${f.district}`, f]));

  const definitions = shown
    .map(
      (
        i,
      ) => `<tr><th>${escapeHtml(i.zh)}</th><td>${escapeHtml(i.definition.zh)}</td><td>${escapeHtml(i.unit.zh)}</td>
        <td>${escapeHtml(i.target.note.zh)}</td><td>${i.target.basis
          .map((b) => `${escapeHtml(b.plan)} ${escapeHtml(b.article)}：“${escapeHtml(b.quote)}”`)
          .join('<br>')}</td></tr>`,
    )
    .join('\n');

  const indicatorRows = report.areas
    .map(
      (area) =>
        `<tr${area === null ? ' class="city"' : ''}><th>${escapeHtml(areaName(reference, area))}</th>${shown
          .map((i) => figureCell(figureOf.get(`${i.id}|${area}`)))
          .join('')}</tr>`,
    )
    .join('\n');

  const withheld = report.withheld.length
    ? `<p class="note">以下指标因本单位不能明文读取其所用字段而未计算：${report.withheld
        .map((w) => `${escapeHtml(w.indicator.zh)}（${w.fields.map(escapeHtml).join('、')}）`)
        .join('；')}。</p>`
    : '';

  const inAreas = (district: string | null) =>
    report.areas.includes(null) || (district !== null && report.areas.includes(district));
  const counted = alerts.filter((a) => inAreas(a.district));
  const alertRows = report.areas
    .map((area) => {
      const mine = counted.filter((a) => area === null || a.district === area);
      const bySeverity = (s: Severity) =>
        mine.filter((a) => ruleById(a.rule)?.severity === s).reduce((n, a) => n + a.count, 0);
      const byRule = new Map<string, number>();
      for (const a of mine) byRule.set(a.rule, (byRule.get(a.rule) ?? 0) + a.count);
      const rules = [...byRule]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(
          ([id, n]) =>
            `<span class="rule" data-rule="${escapeHtml(id)}">${escapeHtml(ruleById(id)?.zh ?? id)} ${n}</span>`,
        )
        .join('');
      const total = mine.reduce((n, a) => n + a.count, 0);
      return `<tr${area === null ? ' class="city"' : ''} data-area="${area ?? 'city'}"><th>${escapeHtml(
        areaName(reference, area),
      )}</th>${SEVERITIES.map((s) => `<td class="n" data-severity="${s}">${bySeverity(s)}</td>`).join('')}<td class="n total">${total}</td><td>${rules || '—'}</td></tr>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  @page { size: A4 landscape; margin: 14mm; }
  body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif;
         color: #111; margin: 24px; font-size: 13px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 22px 0 8px; border-left: 4px solid #1b5e20; padding-left: 8px; }
  .meta { color: #444; margin-bottom: 12px; }
  table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
  tr { page-break-inside: avoid; }
  th, td { border: 1px solid #999; padding: 4px 6px; text-align: left; vertical-align: top; }
  thead th { background: #e8f0e8; }
  td.n { text-align: right; }
  td.met b { color: #1b5e20; } td.missed b { color: #b71c1c; } td.none b { color: #777; }
  tr.city th, tr.city td { background: #f4f4f4; font-weight: bold; }
  .rule { display: inline-block; margin-right: 10px; white-space: nowrap; }
  .note { color: #555; }
  @media print { body { margin: 0; } h2 { page-break-after: avoid; } }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">统计期间：${period.from} 至 ${period.to} · 查询单位：${escapeHtml(viewer)} · 生成时间：${generatedAt
    .toISOString()
    .replace('T', ' ')
    .slice(0, 19)} UTC · 数据来源：净土数据共享枢纽</div>
<h2>一、考核指标及目标</h2>
<table><thead><tr><th>指标</th><th>计算口径</th><th>单位</th><th>目标</th><th>依据</th></tr></thead>
<tbody>
${definitions || '<tr><td colspan="5">无可查看的指标</td></tr>'}
</tbody></table>
${withheld}
<h2>二、各区指标完成情况</h2>
<table id="indicators"><thead><tr><th>区</th>${shown.map((i) => `<th>${escapeHtml(i.zh)}（目标 ${escapeHtml(i.target.note.zh.split('；')[0])}）</th>`).join('')}</tr></thead>
<tbody>
${shown.length ? indicatorRows : '<tr><td>无可查看的指标</td></tr>'}
</tbody></table>
<h2>三、各区在办预警（待处置及处置中，截至生成时间）</h2>
<table id="alerts"><thead><tr><th>区</th>${SEVERITIES.map((s) => `<th>${SEVERITY_ZH[s]}</th>`).join('')}<th>合计</th><th>按规则</th></tr></thead>
<tbody>
${alertRows}
</tbody></table>
<p class="note">预警按本单位可见范围统计（本区的、须本单位处置的；证据记录须可读）。全市一行含未归属某区的预警。</p>
</body>
</html>
`;
}
