// A Markdown summary fit for a pull-request comment or $GITHUB_STEP_SUMMARY: per
// workload the headline sentences, then the headline table (figures, basis, ratios
// in words).
// Every name, reason and header field comes from results files anyone can write:
// each is escaped for where it lands (table cell, heading, code span), so none can
// split a table, start HTML or a link, or break out onto a line of its own.

import { markdownCode, markdownText } from '../model/escape.js';
import { formatValue } from '../model/summary.js';
import { HEADLINES, type HeadlineCell, type ReportModel } from './model.js';

const cellMd = (c: HeadlineCell | undefined, isRef: boolean): string => {
  if (!c) return '—';
  const v = `${formatValue(c.median, c.metric)}${c.basis ? ` ${c.basis}` : ''}${c.n <= 1 ? ' (single measurement)' : ''}`;
  if (c.vsReference) {
    const k = c.vsReference;
    if (k.undecided !== null) return `${v} · cannot decide (${markdownText(k.undecided)})`;
    return `${v} · ${c.beatsReference ? '**' : ''}${markdownText(c.vsReferenceText)}${c.beatsReference ? '**' : ''}`;
  }
  return isRef ? `${v} · reference` : v;
};

export function renderMarkdown(m: ReportModel, opts: { maxWarnings?: number } = {}): string {
  const md = markdownText;
  const out: string[] = [`## ${md(m.title)}`, ''];
  const h = m.headers[0];
  if (h)
    out.push(
      `${m.sampleCount.toLocaleString('en-US')} samples · ${md(h.machine.cpuModel)} (${h.machine.cores} cores, machine ${markdownCode(h.machine.fingerprint)}) · Node ${md(h.versions['node'] ?? '?')} · git ${markdownCode((h.git.commit ?? 'unknown').slice(0, 12))}`,
      '',
    );
  out.push(
    `Each runtime against the reference (${markdownCode(m.reference)}): ratios of medians with 95% bootstrap intervals, as factors.`,
    '',
  );
  for (const t of m.tables) {
    out.push(`### ${md(t.workload)}`, '');
    for (const a of t.answers) out.push(`- ${md(a)}`);
    out.push('');
    if (t.seriesLegend.length)
      out.push(
        `Series in brackets: ${md(t.seriesLegend.join('; '))}. Each series is its own row; ratios are against ${md(m.reference)}’s default series (plain, reuse 1) where it was measured.`,
        '',
      );
    out.push(`| runtime | variant | ${t.kinds.map((k) => HEADLINES.find((x) => x.kind === k)!.title).join(' | ')} |`);
    out.push(`| --- | --- | ${t.kinds.map(() => '---:').join(' | ')} |`);
    for (const r of t.rows)
      out.push(
        `| ${md(r.runtime)} | ${md(r.seriesText ? `${r.variant} [${r.seriesText}]` : r.variant)} | ${t.kinds.map((k) => cellMd(r.cells[k], r.runtime === m.reference)).join(' | ')} |`,
      );
    out.push('');
  }
  const max = opts.maxWarnings ?? 10;
  if (m.warnings.length) {
    out.push(
      `<details><summary>${m.warnings.length} statistics warning${m.warnings.length === 1 ? '' : 's'}</summary>`,
      '',
    );
    // The series in words (reports/model.ts seriesName), not a code span of raw keys.
    for (const w of m.warnings.slice(0, max)) out.push(`- ${md(w.series)}: ${md(w.message)} — ${md(w.hint)}`);
    if (m.warnings.length > max) out.push(`- … and ${m.warnings.length - max} more (see the HTML report)`);
    out.push('', '</details>', '');
  }
  if (h) out.push(`Command: ${markdownCode(h.command.join(' '))}`, '');
  return out.join('\n');
}
