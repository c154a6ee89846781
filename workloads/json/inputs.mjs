// Deterministic order documents, written by scripts/build-workloads.ts (and checked by --check).
// Mixed in on purpose: unicode and escaped names, inactive items, invalid items.
const WORDS = ['widget', 'gadget', 'sprocket', 'gizmo', 'doohickey', 'thingamajig', 'contraption', 'whatsit'];
const CATEGORIES = ['tools', 'toys', 'garden', 'kitchen', 'books', 'Bücher', 'électronique', 'sport "pro"', 'misc\\other', '文具'];

function doc(count, seed) {
  let x = seed;
  const next = (n) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  const items = [];
  for (let i = 0; i < count; i++) {
    const item = {
      id: 1000 + next(count * 4),
      name: `${WORDS[next(WORDS.length)]} ${WORDS[next(WORDS.length)]} #${i}${next(10) === 0 ? ' \u2603\t"q"' : ''}`,
      category: CATEGORIES[next(CATEGORIES.length)],
      price: next(100000),
      qty: next(50),
      active: next(4) !== 0,
      tags: [WORDS[next(WORDS.length)], next(100) / 4],
    };
    const k = next(20);
    if (k === 0) delete item.price;
    else if (k === 1) item.price += 0.5;
    else if (k === 2) item.qty = -1;
    else if (k === 3) item.active = 'yes';
    items.push(item);
  }
  return Buffer.from(JSON.stringify({ generated: 'faasbench', seed, items }, null, next(2) === 0 ? 1 : undefined) + '\n');
}

export default function inputs() {
  return { 'inputs/small.json': doc(100, 7), 'inputs/large.json': doc(2000, 11) };
}
