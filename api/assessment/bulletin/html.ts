/**
 * The bulletin as a printable A4 page (PDF by the browser's print), laid out like the seeds' 公文: red header,
 * numbered sections, the annex tables on landscape pages. Self-contained: inline CSS, system fonts only (the
 * console runs without internet), no script.
 */
import { formatCell, formatPercent, type Table } from './table.ts';
import type { Bulletin, CategoryLine, DeductionSection, ReasonGroup, TopLine } from './model.ts';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const CN_NUM = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

function cnDate(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

function table(t: Table, opts: { caption?: boolean } = {}): string {
  const head = `<tr>${t.columns.map((c) => `<th>${esc(c.label)}${c.sub ? `<br><span class="sub">${esc(c.sub)}</span>` : ''}</th>`).join('')}</tr>`;
  const row = (r: (string | number | null)[], cls = '') =>
    `<tr${cls ? ` class="${cls}"` : ''}>${r.map((v, i) => `<td class="${t.columns[i].kind === 'text' ? 't' : 'n'}">${esc(formatCell(v, t.columns[i].kind))}</td>`).join('')}</tr>`;
  return `<table class="grid" data-table="${t.id}">${opts.caption === false ? '' : `<caption>${esc(t.title)}</caption>`}
<thead>${head}</thead><tbody>${t.rows.map((r) => row(r)).join('\n')}${t.footer.map((r) => row(r, 'total')).join('\n')}</tbody></table>
${t.notes.length ? `<div class="notes">${t.notes.map((n, i) => `<p>注${t.notes.length > 1 ? i + 1 : ''}：${esc(n)}</p>`).join('')}</div>` : ''}`;
}

function categories(b: Bulletin): string {
  const { component: c, event: e } = b.categories;
  const n = Math.max(c.length, e.length);
  const cell = (x?: CategoryLine) => (x ? `<td class="t">${esc(x.name)}</td><td class="n">${x.registered}</td><td class="n">${x.closed}</td>` : '<td></td><td></td><td></td>');
  const rows = Array.from({ length: n }, (_, i) => `<tr>${cell(c[i])}${cell(e[i])}</tr>`).join('\n');
  const tot = (l: CategoryLine[]) => `<td class="t">合计</td><td class="n">${l.reduce((s, x) => s + x.registered, 0)}</td><td class="n">${l.reduce((s, x) => s + x.closed, 0)}</td>`;
  return `<table class="grid cats" data-table="categories"><thead><tr><th>部件类别</th><th>立案数（件）</th><th>结案数（件）</th><th>事件类别</th><th>立案数（件）</th><th>结案数（件）</th></tr></thead>
<tbody>${rows}<tr class="total">${tot(c)}${tot(e)}</tr></tbody></table>`;
}

/** A department's reasons, the six most frequent minors by name (the rest summed: every minor is in 附表). */
const REASONS_SHOWN = 6;
function reasonLine(g: ReasonGroup): string {
  const shown = g.minors.length > REASONS_SHOWN + 1 ? g.minors.slice(0, REASONS_SHOWN) : g.minors;
  const rest = g.minors.slice(shown.length);
  const more = rest.length ? `，其他${rest.length}类 ${rest.reduce((a, m) => a + m.count, 0)} 件` : '';
  return `<p class="reason"><b>${esc(g.department)}</b>（${g.count} 件）：${shown.map((m) => `${esc(m.name)} ${m.count} 件`).join('，')}${more}。</p>`;
}

function deduction(s: DeductionSection, i: number): string {
  const points = s.points === null ? '（本考核方案不计扣分）' : `，扣 ${s.points.toFixed(2)} 分`;
  const head = `<h3>（${CN_NUM[i]}）${esc(s.title)}共 ${s.count} 件${points}。${s.count ? '原因分析如下：' : ''}</h3>`;
  if (s.levels) {
    return head + s.levels.map((l) => `<p class="level">${esc(l.title)}共 ${l.count} 件。</p>${l.groups.map(reasonLine).join('')}`).join('');
  }
  return head + s.groups.map(reasonLine).join('');
}

function top(list: TopLine[], kind: string): string {
  const change = (t: TopLine) => (t.change === null ? '新增' : `${t.change > 0 ? '上升' : t.change < 0 ? '下降' : '持平'}${t.change ? ` ${formatPercent(Math.abs(t.change))}` : ''}`);
  return `<table class="grid top" data-table="top-${kind === '事件' ? 'event' : 'component'}"><caption>${kind}类高发问题前五位</caption>
<thead><tr><th>位次</th><th>小类</th><th>本月立案</th><th>上月立案</th><th>环比</th></tr></thead><tbody>
${list.map((t) => `<tr><td class="n">${t.rank}</td><td class="t">${esc(t.name)}</td><td class="n">${t.current}</td><td class="n">${t.previous}</td><td class="n">${change(t)}</td></tr>`).join('\n')}
</tbody></table>`;
}

function topSentence(list: TopLine[], kind: string): string {
  if (!list.length) return `${kind}类本月无立案。`;
  return `${kind}类立案数排在前${list.length}位的依次是：${list.map((t) => `${esc(t.name)}（${t.current}件，${t.change === null ? '上月无' : `环比${t.change >= 0 ? '上升' : '下降'}${formatPercent(Math.abs(t.change))}`}）`).join('；')}。`;
}

function scoresSentence(b: Bulletin): string {
  const groups = new Map<string, string[]>();
  for (const u of b.scores.units) {
    const g = u.unit.group === null ? '未分组' : b.scores.scheme.groups[u.unit.group] ?? `${u.unit.group}组`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(`${esc(u.unit.name)}综合得分 ${u.total.toFixed(2)} 分${u.ranked ? `（第${u.rank}名）` : '（不参加排名）'}`);
  }
  return [...groups].map(([g, l]) => `<p>${esc(g)}：${l.join('，')}。</p>`).join('');
}

const CSS = `
@page { size: A4; margin: 22mm 20mm 20mm 22mm; }
@page annex { size: A4 landscape; margin: 12mm 10mm; }
* { box-sizing: border-box; }
html { background: #e9e9e9; }
body { margin: 0; font-family: "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; color: #000; font-size: 15px; line-height: 1.75; }
.sheet { background: #fff; width: 210mm; min-height: 297mm; margin: 12px auto; padding: 22mm 20mm 20mm 22mm; box-shadow: 0 1px 6px rgba(0,0,0,.25); }
.sheet.annex { width: 297mm; min-height: 210mm; padding: 12mm 10mm; }
.redhead { text-align: center; color: #c00; border-bottom: 2px solid #c00; padding-bottom: 6px; margin-bottom: 18px; }
.redhead .org { font-family: "Noto Serif CJK SC", "SimSun", serif; font-weight: 900; font-size: 30px; letter-spacing: 4px; line-height: 1.3; }
.redhead .doc { font-weight: 900; font-size: 26px; letter-spacing: 18px; }
.redhead .no { color: #000; font-size: 15px; margin-top: 6px; }
h1 { font-family: "Noto Serif CJK SC", "SimSun", serif; font-weight: 900; font-size: 21px; text-align: center; line-height: 1.5; margin: 10px 0 16px; }
h2 { font-family: "Noto Sans CJK SC", "SimHei", sans-serif; font-size: 16px; font-weight: 700; margin: 16px 0 6px; }
h3 { font-size: 15px; font-weight: 700; margin: 10px 0 4px; text-indent: 2em; }
p { margin: 0 0 4px; text-indent: 2em; text-align: justify; }
p.to { text-indent: 0; }
p.reason { text-indent: 2em; }
p.level { font-weight: 700; }
.sign { text-align: right; margin-top: 28px; line-height: 2; }
.attach { text-indent: 0; margin-top: 16px; }
p.small { font-size: 12px; color: #333; }
table.grid { border-collapse: collapse; width: 100%; margin: 8px 0 10px; font-family: "Noto Sans CJK SC", "SimSun", sans-serif; font-size: 10.5px; line-height: 1.35; page-break-inside: auto; }
table.grid caption { font-family: "Noto Sans CJK SC", "SimHei", sans-serif; font-weight: 700; font-size: 13px; padding: 4px 0; }
table.grid th, table.grid td { border: 1px solid #000; padding: 2px 4px; vertical-align: middle; }
table.grid th { background: #f2f2f2; font-weight: 700; text-align: center; }
table.grid th .sub { font-weight: 400; font-size: 9.5px; }
table.grid td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.grid td.t { text-align: left; white-space: nowrap; }
table.grid tr.total td { font-weight: 700; background: #fafafa; }
table.grid tr { page-break-inside: avoid; }
.annex table.grid { font-size: 9.5px; }
.annex table.grid th, .annex table.grid td { padding: 1px 3px; }
.notes p { font-size: 12px; text-indent: 0; line-height: 1.5; }
.tops { display: flex; gap: 12px; }
.tops table { flex: 1; }
.toolbar { position: sticky; top: 0; z-index: 2; background: #333; color: #fff; font: 13px/1.6 "Noto Sans CJK SC", sans-serif; padding: 6px 14px; display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
.toolbar a { color: #9cf; }
.toolbar b { font-weight: 700; }
@media print {
  html { background: #fff; }
  .toolbar { display: none; }
  .sheet { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
  .sheet.annex { page: annex; break-before: page; width: auto; min-height: 0; padding: 0; }
  h2, h3 { break-after: avoid; }
}`;

export function bulletinHtml(b: Bulletin): string {
  const s = b.summary;
  const t = (id: Table['id']) => b.tables.find((x) => x.id === id)!;
  const csvLinks = b.tables.map((x) => `<a href="./${b.period.label}.csv?scheme=${esc(b.scheme.id)}&amp;table=${x.id}">${esc(x.sheet)}</a>`).join(' · ');
  const sources = s.sources.map((x) => `${esc(x.name)}立案 ${x.registered} 件，结案 ${x.closed} 件`).join('；');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${esc(b.title)}</title><style>${CSS}</style></head>
<body>
<nav class="toolbar"><b>${esc(b.period.title)}通报</b><span>考核方案：${esc(b.scheme.name)}</span>
<a href="./${b.period.label}.xlsx?scheme=${esc(b.scheme.id)}">导出 XLSX</a><span>CSV：${csvLinks}</span><span>打印为 PDF：浏览器“打印”（A4）</span></nav>
<main>
<article class="sheet" id="bulletin">
<header class="redhead"><div class="org">${esc(b.issuer)}</div><div class="doc">文件</div></header>
<h1>${esc(b.title)}</h1>
<p class="to">${b.addressees.map(esc).join('、')}：</p>
<p>${esc(b.issuer)}对${esc(b.period.title)}份智慧城管数管系统运行工作情况进行汇总，现将数字城管案件处置情况通报如下：</p>

<h2 id="s1">一、案件来源及处置情况</h2>
<p>本月，${esc(b.county)}平台立案 ${s.current.registered} 件，应结案 ${s.current.dueToClose} 件，结案 ${s.current.closed} 件，结案率 ${formatPercent(s.current.closureRate.value)}，按期结案率 ${formatPercent(s.current.onTimeClosureRate.value)}（上月分别为 ${formatPercent(s.previous.closureRate.value)}、${formatPercent(s.previous.onTimeClosureRate.value)}）；应处置 ${s.current.dueToHandle} 件，处置 ${s.current.handled} 件，处置率 ${formatPercent(s.current.handlingRate.value)}；月末超期未结案 ${s.current.overdueOpen} 件。${sources ? `其中，${sources}。` : ''}</p>
${table(t('sources'))}

<h2 id="s2">二、${esc(b.county)}部、事件问题立案及处置情况</h2>
${categories(b)}

<h2 id="s3">三、案件考核扣分及原因分析</h2>
${b.deductions.map(deduction).join('\n')}
<p class="small">各单位扣分原因按小类列出件数最多的${REASONS_SHOWN}类，全部明细见附表。</p>

<h2 id="s4">四、各单位考核结果</h2>
<p>各单位考核结果根据当月综合得分进行考评（详见附件2《${esc(t('scores').title.replace(/^附件2 /, ''))}》）。</p>
${scoresSentence(b)}

<h2 id="s5">五、高发问题</h2>
<p>${topSentence(b.top.event, '事件')}</p>
<p>${topSentence(b.top.component, '部件')}</p>
<div class="tops">${top(b.top.event, '事件')}${top(b.top.component, '部件')}</div>

<p class="attach">附件：1. 各责任单位案件处置情况<br>　　　2. ${esc(t('scores').title.replace(/^附件2 /, ''))}</p>
<div class="sign">${esc(b.issuer)}<br>${cnDate(b.issuedOn)}</div>
</article>

<section class="sheet annex" id="annex-1"><p class="to">附件1</p>${table(t('departments'))}</section>
<section class="sheet annex" id="annex-2"><p class="to">附件2</p>${table(t('scores'))}</section>
<section class="sheet annex" id="annex-3"><p class="to">附表</p>${table(t('deductions'))}</section>
</main>
</body></html>`;
}
