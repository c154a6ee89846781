// MemoryPool's bookkeeping (memory-image.ts): which memories come back, the reset, the
// byte budget. That a pooled memory serves a guest exactly as a new one is shown end to
// end in component.test.ts.

import { describe, expect, it } from 'vitest';
import { MemoryPool, type MemoryImage } from './memory-image.js';

const PAGE = 65536;
const image = (pages: number, fill = 1): MemoryImage => ({
  limits: { min: pages, max: 64, shared: false },
  image: new Uint8Array(100).fill(fill),
});

describe('MemoryPool', () => {
  it('hands a given memory back reset: the image, then zeros', () => {
    const pool = new MemoryPool();
    const img = image(1);
    const a = pool.take(img);
    new Uint8Array(a.buffer).fill(9);
    pool.give(img, a);
    const b = pool.take(img);
    expect(b).toBe(a);
    const bytes = new Uint8Array(b.buffer);
    expect(bytes.subarray(0, 100).every((x) => x === 1)).toBe(true);
    expect(bytes.subarray(100).every((x) => x === 0)).toBe(true);
    expect(pool.hits).toBe(1);
    expect(pool.heldBytes).toBe(0);
  });

  it('keeps no grown memory, one memory per image, and drops the least recently given past its budget', () => {
    const pool = new MemoryPool(2 * PAGE);
    const img = image(1);
    const grown = pool.take(img);
    grown.grow(1);
    pool.give(img, grown);
    expect(pool.heldBytes).toBe(0);
    pool.give(img, pool.take(img));
    pool.give(img, pool.take(img)); // a second one for the same image is not kept
    expect(pool.heldBytes).toBe(PAGE);
    const [x, y] = [image(1, 2), image(1, 3)];
    pool.give(x, pool.take(x));
    pool.give(y, pool.take(y)); // three pages over a two-page budget: img's goes
    expect(pool.heldBytes).toBe(2 * PAGE);
    const before = pool.hits;
    pool.take(img);
    expect(pool.hits).toBe(before); // new, not pooled
    pool.take(y);
    expect(pool.hits).toBe(before + 1);
    pool.forget([x]);
    expect(pool.heldBytes).toBe(0);
  });
});
