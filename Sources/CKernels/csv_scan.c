// Scanning quote-free CSV 64 bytes at a time, each byte class of interest a 64-bit mask:
// - counting and finding records without parsing them, for a shard, which must know how many rows the whole file
//   has and where its own start and end (records by popcount; a record is a non-blank line; RecordLocator in
//   CandorCore uses this only for files without quotes, where every line feed ends a record);
// - the field boundaries of records (FieldScanner's plain scan): delimiters found by the lowest set bit of the
//   block's mask of commas, line feeds and carriage returns, not byte by byte.
#include "ckernels.h"
#include "cpu.h"

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

__attribute__((target("avx2"))) static inline uint64_t delimiters_avx2(const uint8_t *p) {
  __m256i a = _mm256_loadu_si256((const __m256i *)p), b = _mm256_loadu_si256((const __m256i *)(p + 32));
  __m256i comma = _mm256_set1_epi8(','), lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
  __m256i da = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(a, comma), _mm256_cmpeq_epi8(a, lf)), _mm256_cmpeq_epi8(a, cr));
  __m256i db = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(b, comma), _mm256_cmpeq_epi8(b, lf)), _mm256_cmpeq_epi8(b, cr));
  return (uint64_t)(uint32_t)_mm256_movemask_epi8(da) | (uint64_t)(uint32_t)_mm256_movemask_epi8(db) << 32;
}

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
  (void)portable;
  scan_portable(&s, from);
  *out = s.out;
}

// The field scan ---------------------------------------------------------------------------------------------------

static inline uint64_t delimiters_portable(const uint8_t *p, long count) {
  uint64_t m = 0;
  for (long i = 0; i < count; i++) m |= (uint64_t)(p[i] == ',' || p[i] == '\n' || p[i] == '\r') << i;
  return m;
}

// The mask of delimiters of the 64 bytes from `base` (fewer at the end).
struct cursor {
  const uint8_t *bytes;
  long end, base;
  uint64_t mask;
  int avx2;
};

__attribute__((always_inline)) static inline uint64_t block_mask(struct cursor *c, long p) {
#if defined(__x86_64__)
  if (c->avx2 && p + 64 <= c->end) return delimiters_avx2(c->bytes + p);
#endif
  return delimiters_portable(c->bytes + p, c->end - p < 64 ? c->end - p : 64);
}

// The first comma, line feed or carriage return at or after `p`, or the end.
__attribute__((always_inline)) static inline long next_delimiter(struct cursor *c, long p) {
  while (p < c->end) {
    long offset = p - c->base;
    if (offset >= 0 && offset < 64) {
      uint64_t m = c->mask >> offset;
      if (m) return p + __builtin_ctzll(m);
      p = c->base + 64;
      continue;
    }
    c->base = p;
    c->mask = block_mask(c, p);
  }
  return c->end;
}

// The scan itself, inlined into a wrapper compiled for AVX2 (so that the masks' compares inline too) and into a
// portable one.
__attribute__((always_inline)) static inline void scan_fields(const uint8_t *bytes, long end, long columns, uint32_t *starts,
                                                              uint32_t *ends, long field_capacity, uint32_t *lines,
                                                              long line_capacity, int avx2, candor_plain_scan *state) {
  struct cursor c = {bytes, end, -64, 0, avx2};
  long pos = state->pos, line = state->line, stored = state->fields, records = state->records;
  state->status = 0;
  while (pos < end) {
    uint8_t b = bytes[pos];
    // Blank lines: a line feed, or a carriage return ending a line.
    if (b == '\n') { pos++, line++; continue; }
    if (b == '\r' && (pos + 1 == end || bytes[pos + 1] == '\n')) { pos += pos + 1 == end ? 1 : 2, line++; continue; }
    if (records == line_capacity || stored + columns > field_capacity) { state->status = 1; break; }
    long fields = 0, start = pos;
    for (;;) {
      long q = next_delimiter(&c, pos);
      if (fields < columns) starts[stored + fields] = (uint32_t)start, ends[stored + fields] = (uint32_t)q;
      fields++;
      pos = q;
      if (pos >= end) break;
      uint8_t d = bytes[pos++];
      if (d == ',') {
        start = pos;
        if (pos == end) {
          if (fields < columns) starts[stored + fields] = ends[stored + fields] = (uint32_t)pos;
          fields++;
          break;
        }
        continue;
      }
      if (d == '\r' && pos < end && bytes[pos] == '\n') pos++;
      break;
    }
    if (fields != columns) {
      state->status = 2, state->found = fields;
      break;
    }
    stored += columns;
    lines[records++] = (uint32_t)line;
    line++;
  }
  state->pos = pos, state->line = line, state->fields = stored, state->records = records;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void scan_fields_avx2(const uint8_t *bytes, long end, long columns, uint32_t *starts,
                                                             uint32_t *ends, long field_capacity, uint32_t *lines,
                                                             long line_capacity, candor_plain_scan *state) {
  scan_fields(bytes, end, columns, starts, ends, field_capacity, lines, line_capacity, 1, state);
}
#endif

void candor_scan_plain_fields(const uint8_t *bytes, long end, long columns, uint32_t *starts, uint32_t *ends,
                              long field_capacity, uint32_t *lines, long line_capacity, int portable,
                              candor_plain_scan *state) {
#if defined(__x86_64__)
  if (!portable && have_avx2()) {
    scan_fields_avx2(bytes, end, columns, starts, ends, field_capacity, lines, line_capacity, state);
    return;
  }
#endif
  (void)portable;
  scan_fields(bytes, end, columns, starts, ends, field_capacity, lines, line_capacity, 0, state);
}
