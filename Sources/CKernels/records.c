// Counting and finding a CSV file's records without parsing them, for a shard, which must know how many rows the
// whole file has and where its own start and end: 64 bytes at a time, each byte class (line feed, carriage return,
// quote) a 64-bit mask, records counted by popcount. A record is a non-blank line; RecordLocator (CandorCore) uses
// this only for files without quotes, where every line feed ends a record.
#include "ckernels.h"

#include <string.h>

struct masks {
  uint64_t lf, cr, quote;
};

static inline struct masks masks_portable(const uint8_t *p) {
  struct masks m = {0, 0, 0};
  for (int i = 0; i < 64; i++) {
    m.lf |= (uint64_t)(p[i] == '\n') << i;
    m.cr |= (uint64_t)(p[i] == '\r') << i;
    m.quote |= (uint64_t)(p[i] == '"') << i;
  }
  return m;
}

struct scan {
  const uint8_t *bytes;
  long n, stop;
  uint64_t line_start;  // 1 when the next block's first byte starts a line
  candor_record_scan out;
};

// One block of 64 bytes at `pos` (`valid` marks those before the end): 1 when record `stop` was found in it.
static inline int step(struct scan *s, long pos, struct masks m, uint64_t valid) {
  uint64_t starts = ((m.lf << 1) | s->line_start) & valid;
  s->line_start = m.lf >> 63;
  uint64_t records = starts & ~(m.lf | m.cr);
  // A carriage return must end a line (be followed by a line feed), unless it is the buffer's last byte.
  uint64_t next_lf = pos + 64 < s->n && s->bytes[pos + 64] == '\n';
  uint64_t lone = m.cr & ~((m.lf >> 1) | next_lf << 63);
  if (pos + 64 >= s->n) lone &= ~((uint64_t)1 << (s->n - 1 - pos));
  s->out.lone_cr |= lone != 0;
  s->out.quote |= m.quote != 0;
  if (s->stop >= 0) {
    long found = __builtin_popcountll(records);
    long wanted = s->stop - s->out.records;
    if (wanted < found) {
      for (long i = 0; i < wanted; i++) records &= records - 1;
      int bit = __builtin_ctzll(records);
      s->out.offset = pos + bit;
      s->out.records = s->stop;
      s->out.line_feeds += __builtin_popcountll(m.lf & (((uint64_t)1 << bit) - 1));
      return 1;
    }
  }
  s->out.records += __builtin_popcountll(records);
  s->out.line_feeds += __builtin_popcountll(m.lf & valid);
  return 0;
}

// The last, partial block, padded with zeros (which are no byte of interest).
static inline struct masks tail_masks(const uint8_t *p, long count) {
  uint8_t block[64] = {0};
  memcpy(block, p, (size_t)count);
  return masks_portable(block);
}

static void scan_portable(struct scan *s, long from) {
  long pos = from;
  for (; pos + 64 <= s->n; pos += 64) {
    if (step(s, pos, masks_portable(s->bytes + pos), ~(uint64_t)0)) return;
  }
  if (pos < s->n && step(s, pos, tail_masks(s->bytes + pos, s->n - pos), ((uint64_t)1 << (s->n - pos)) - 1)) return;
  s->out.offset = s->n;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) static inline struct masks masks_avx2(const uint8_t *p) {
  __m256i a = _mm256_loadu_si256((const __m256i *)p), b = _mm256_loadu_si256((const __m256i *)(p + 32));
  struct masks m;
#define MASK(c)                                                                                         \
  ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, _mm256_set1_epi8(c))) |                 \
   (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, _mm256_set1_epi8(c))) << 32)
  m.lf = MASK('\n'), m.cr = MASK('\r'), m.quote = MASK('"');
#undef MASK
  return m;
}

__attribute__((target("avx2"))) static void scan_avx2(struct scan *s, long from) {
  long pos = from;
  for (; pos + 64 <= s->n; pos += 64) {
    if (step(s, pos, masks_avx2(s->bytes + pos), ~(uint64_t)0)) return;
  }
  if (pos < s->n && step(s, pos, tail_masks(s->bytes + pos, s->n - pos), ((uint64_t)1 << (s->n - pos)) - 1)) return;
  s->out.offset = s->n;
}

static int have_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
#else
static int have_avx2(void) { return 0; }
#endif

void candor_scan_records(const uint8_t *bytes, long n, long from, long stop, int portable, candor_record_scan *out) {
  struct scan s = {bytes, n, stop, 1, {0, n, 0, 0, 0}};
#if defined(__x86_64__)
  if (!portable && have_avx2()) {
    scan_avx2(&s, from);
    *out = s.out;
    return;
  }
#endif
  (void)have_avx2;
  scan_portable(&s, from);
  *out = s.out;
}
