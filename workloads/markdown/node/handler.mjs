// markdown, node variant: the same Markdown subset and rules as markdown.c (see there).
// Works on bytes as latin1 strings, so any input maps to the same output bytes.
const PUNCT = '\\`*_[]()#+-.!>';

const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function inline(s) {
  let o = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && s[i + 1] !== '\0' && PUNCT.includes(s[i + 1])) {
      o += esc(s[i + 1]);
      i += 2;
    } else if (c === '`') {
      const j = s.indexOf('`', i + 1);
      if (j < 0) { o += '`'; i++; continue; }
      o += `<code>${esc(s.slice(i + 1, j))}</code>`;
      i = j + 1;
    } else if ((c === '*' || c === '_') && s[i + 1] === c) {
      const j = s.indexOf(c + c, i + 2);
      if (j < 0) { o += c + c; i += 2; continue; }
      o += `<strong>${inline(s.slice(i + 2, j))}</strong>`;
      i = j + 2;
    } else if (c === '*' || c === '_') {
      const j = s.indexOf(c, i + 1);
      if (j < 0) { o += c; i++; continue; }
      o += `<em>${inline(s.slice(i + 1, j))}</em>`;
      i = j + 1;
    } else if (c === '[') {
      const j = s.indexOf(']', i + 1);
      const k = j >= 0 && s[j + 1] === '(' ? s.indexOf(')', j + 2) : -1;
      if (k < 0) { o += '['; i++; continue; }
      o += `<a href="${esc(s.slice(j + 2, k))}">${inline(s.slice(i + 1, j))}</a>`;
      i = k + 1;
    } else {
      o += esc(c);
      i++;
    }
  }
  return o;
}

const trim = (l) => l.replace(/^[ \t\r]+/, '').replace(/[ \t\r]+$/, '');
const ltrim = (l) => l.replace(/^[ \t\r]+/, '');

function headingLevel(l) {
  const m = /^(#{1,6})(?: |$)/.exec(l);
  return m ? m[1].length : 0;
}

const isRule = (l) => l.length >= 3 && '-*_'.includes(l[0]) && [...l].every((c) => c === l[0]);

// { kind: 1 | 2, num, content } or null, as list_item() in markdown.c.
function listItem(l) {
  if (l.length >= 2 && '-*+'.includes(l[0]) && l[1] === ' ') return { kind: 1, num: 0, content: ltrim(l.slice(2)) };
  const m = /^(\d{1,9})\. /.exec(l);
  if (m) return { kind: 2, num: Number(m[1]), content: ltrim(l.slice(m[0].length)) };
  return null;
}

const blockStart = (l) => l.startsWith('```') || headingLevel(l) > 0 || isRule(l) || l.startsWith('>') || listItem(l) !== null;

export default function handler(req) {
  const lines = Buffer.from(req.body).toString('latin1').split('\n');
  let o = '';
  let i = 0;
  while (i < lines.length) {
    const l = trim(lines[i]);
    if (l.length === 0) { i++; continue; }
    if (l.startsWith('```')) {
      o += '<pre><code>';
      for (i++; i < lines.length && !ltrim(lines[i]).startsWith('```'); i++) o += esc(lines[i].replace(/\r$/, '')) + '\n';
      o += '</code></pre>\n';
      i++;
    } else if (headingLevel(l)) {
      const h = headingLevel(l);
      o += `<h${h}>${inline(ltrim(l.slice(h)))}</h${h}>\n`;
      i++;
    } else if (isRule(l)) {
      o += '<hr>\n';
      i++;
    } else if (l.startsWith('>')) {
      const q = [];
      for (; i < lines.length; i++) {
        let m = trim(lines[i]);
        if (!m.startsWith('>')) break;
        m = m.slice(1);
        if (m.startsWith(' ')) m = m.slice(1);
        q.push(m);
      }
      o += `<blockquote>\n<p>${inline(q.join('\n'))}</p>\n</blockquote>\n`;
    } else if (listItem(l)) {
      const first = listItem(l);
      o += first.kind === 1 ? '<ul>\n' : first.num === 1 ? '<ol>\n' : `<ol start="${first.num}">\n`;
      for (; i < lines.length; i++) {
        const item = listItem(trim(lines[i]));
        if (!item || item.kind !== first.kind) break;
        o += `<li>${inline(item.content)}</li>\n`;
      }
      o += first.kind === 1 ? '</ul>\n' : '</ol>\n';
    } else {
      const p = [];
      for (; i < lines.length; i++) {
        const m = trim(lines[i]);
        if (m.length === 0 || (p.length && blockStart(m))) break;
        p.push(m);
      }
      o += `<p>${inline(p.join('\n'))}</p>\n`;
    }
  }
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(o, 'latin1') };
}
