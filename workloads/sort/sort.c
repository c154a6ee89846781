// sort: allocates ?n=N 32-bit keys from a seeded xorshift32 (?seed=S), sorts them,
// and answers a summary (min, median, max, distinct count, position-weighted checksum).
// Allocation and memory traffic heavy.
#include "cgi.h"

// Quicksort (median of three, Hoare partition, recursion on the smaller side) with an
// insertion sort for short runs: the same algorithm on every target, where qsort()
// differs between glibc (merge sort) and wasi-libc (smoothsort).
static void sort_u32(uint32_t *a, int64_t lo, int64_t hi) {  // sorts a[lo..hi]
  while (hi - lo > 16) {
    int64_t mid = lo + (hi - lo) / 2;
    uint32_t x = a[lo], y = a[mid], z = a[hi];
    uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
    int64_t i = lo - 1, j = hi + 1;
    for (;;) {
      do i++; while (a[i] < pivot);
      do j--; while (a[j] > pivot);
      if (i >= j) break;
      uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
    }
    if (j - lo < hi - j) { sort_u32(a, lo, j); lo = j + 1; }
    else { sort_u32(a, j + 1, hi); hi = j; }
  }
  for (int64_t i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    int64_t k = i - 1;
    while (k >= lo && a[k] > v) { a[k + 1] = a[k]; k--; }
    a[k + 1] = v;
  }
}

int main(void) {
  int64_t n, seed;
  if (query_int("n", 1000, 1, 10000000, &n) != 0) return fail(400, "n must be a whole number from 1 to 10000000");
  if (query_int("seed", 1, 1, 4294967295LL, &seed) != 0) return fail(400, "seed must be a whole number from 1 to 4294967295");
  uint32_t *a = malloc((size_t)n * sizeof *a);
  if (!a) return fail(500, "out of memory");
  uint32_t x = (uint32_t)seed;
  for (int64_t i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    a[i] = x;
  }
  sort_u32(a, 0, n - 1);
  uint32_t checksum = 0, distinct = 0;
  for (int64_t i = 0; i < n; i++) {
    checksum += a[i] ^ (uint32_t)i;
    if (i == 0 || a[i] != a[i - 1]) distinct++;
  }
  buf_t out = {0};
  buf_printf(&out, "{\"n\":%u,\"seed\":%u,\"min\":%u,\"median\":%u,\"max\":%u,\"distinct\":%u,\"checksum\":%u}\n",
             (uint32_t)n, (uint32_t)seed, a[0], a[n / 2], a[n - 1], distinct, checksum);
  respond(200, "application/json", out.data, out.len);
  return 0;
}
