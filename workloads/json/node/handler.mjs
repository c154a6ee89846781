// json, node variant: the same transformation as json.c with JSON.parse/JSON.stringify.
const text = (status, msg) => ({ status, headers: { 'content-type': 'text/plain' }, body: msg + '\n' });
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// A whole number in [0, max], or -1 (as json.c's whole()).
const whole = (v, max) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v + 0 : -1);
const cmpBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// What JSON.parse accepts but json.c refuses: nesting deeper than 512 arrays/objects,
// and \u escapes of lone surrogates (JSON.parse keeps them; a later duplicate key can
// even hide them). One pass over the raw bytes, outside and inside strings. The
// document's syntax itself is left to JSON.parse.
function refusedByC(b, maxDepth) {
  let depth = 0;
  const hex4 = (i) => (/^[0-9a-fA-F]{4}$/.test(String.fromCharCode(...b.subarray(i, i + 4))) ? parseInt(String.fromCharCode(...b.subarray(i, i + 4)), 16) : -1);
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22) {
      for (i++; i < b.length && b[i] !== 0x22; i++) {
        if (b[i] !== 0x5c) continue;
        i++;
        if (b[i] !== 0x75) continue;
        const cp = hex4(i + 1);
        i += 4;
        if (cp >= 0xdc00 && cp <= 0xdfff) return true;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          const lo = b[i + 1] === 0x5c && b[i + 2] === 0x75 ? hex4(i + 3) : -1;
          if (lo < 0xdc00 || lo > 0xdfff) return true;
          i += 6;
        }
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export default function handler(req) {
  if (refusedByC(req.body, 512)) return text(400, 'invalid JSON');
  let doc;
  try {
    doc = JSON.parse(decoder.decode(req.body));
  } catch {
    return text(400, 'invalid JSON');
  }
  const items = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc.items : undefined;
  if (!Array.isArray(items)) return text(400, 'expected an object with an "items" array');
  const cats = new Map();
  const ranked = [];
  let valid = 0;
  items.forEach((it, index) => {
    if (it === null || typeof it !== 'object' || Array.isArray(it)) return;
    const id = whole(it.id, 1e9), price = whole(it.price, 1e6), qty = whole(it.qty, 1e3);
    if (id < 0 || price < 0 || qty < 0 || typeof it.name !== 'string' || typeof it.category !== 'string' || typeof it.active !== 'boolean') return;
    valid++;
    if (!it.active) return;
    let c = cats.get(it.category);
    if (!c) cats.set(it.category, (c = { name: it.category, count: 0, revenue: 0, min_price: price, max_price: price }));
    c.count++;
    c.revenue += price * qty;
    c.min_price = Math.min(c.min_price, price);
    c.max_price = Math.max(c.max_price, price);
    ranked.push({ id, name: it.name, value: price * qty, index });
  });
  const categories = [...cats.values()].sort((a, b) => b.revenue - a.revenue || cmpBytes(a.name, b.name));
  ranked.sort((a, b) => b.value - a.value || a.id - b.id || a.index - b.index);
  const out = {
    items: items.length,
    valid,
    active: ranked.length,
    categories,
    top: ranked.slice(0, 5).map(({ id, name, value }) => ({ id, name, value })),
  };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) + '\n' };
}
