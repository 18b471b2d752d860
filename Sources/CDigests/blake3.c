// BLAKE3 (O'Connor, Aumasson, Neves and Wilcox-O'Hearn, "BLAKE3: one function, fast everywhere", 2020), the
// unkeyed hash with a 32-byte output, of a whole buffer at once. The input is split into 1 KiB chunks, each hashed
// by 16 chained compressions of its 64-byte blocks; chunks and then their chaining values are combined pairwise
// into a binary tree whose left subtrees are full (spec §2.1, §5.1.2). Chunks (and parent nodes) are independent,
// so 8 (AVX2) or 16 (AVX-512) of them go through the compression function at once, one per vector lane — the
// "hash_many" strategy of the spec's §5.3. A sharded run hashes its whole input file, so this is on its hot path.
#include "cdigests.h"

#include <stdlib.h>
#include <string.h>

enum { CHUNK_START = 1, CHUNK_END = 2, PARENT = 4, ROOT = 8 };
enum { BLOCK_LEN = 64, CHUNK_LEN = 1024 };
// Full subtrees of 4096 chunks (4 MiB of input) are hashed one at a time, their chunks' chaining values in a
// 128 KiB scratch buffer that stays in cache; each subtree's value then goes on the stack of §5.1.2.
enum { SEGMENT_CHUNKS = 4096 };

static const uint32_t IV[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                               0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

// The message word each round's G functions take: round r uses the permutation of §2.2 applied r times.
static const uint8_t SCHEDULE[7][16] = {
  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
  {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1}, {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
  {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4}, {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
  {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

static inline uint32_t load32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store32(uint8_t *p, uint32_t w) {
  p[0] = (uint8_t)w, p[1] = (uint8_t)(w >> 8), p[2] = (uint8_t)(w >> 16), p[3] = (uint8_t)(w >> 24);
}

static inline uint32_t rotr(uint32_t x, int n) { return x >> n | x << (32 - n); }

#define G(v, a, b, c, d, x, y)                                    \
  do {                                                            \
    v[a] += v[b] + (x), v[d] = rotr(v[d] ^ v[a], 16);              \
    v[c] += v[d], v[b] = rotr(v[b] ^ v[c], 12);                    \
    v[a] += v[b] + (y), v[d] = rotr(v[d] ^ v[a], 8);               \
    v[c] += v[d], v[b] = rotr(v[b] ^ v[c], 7);                     \
  } while (0)

// One round (§2.2): the G function `G` over the state's columns, then its diagonals, taking the message words `m`
// in the order `s` (the round's row of SCHEDULE). Shared by the scalar and the vector compressions.
#define ROUND(G, v, m, s)                                                                                  \
  do {                                                                                                     \
    G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]); G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);                              \
    G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]); G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);                            \
    G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]); G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);                          \
    G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]); G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);                          \
  } while (0)

// The compression function (§2.2), keeping the first half of its output: the next chaining value `cv` (8 words,
// as little-endian bytes) from the block at `block` of `length` bytes, already padded with zeros to 64.
static void compress(uint8_t cv[32], const uint8_t block[64], uint32_t length, uint64_t counter, uint32_t flags) {
  uint32_t m[16], v[16];
  for (int i = 0; i < 16; i++) m[i] = load32(block + 4 * i);
  for (int i = 0; i < 8; i++) v[i] = load32(cv + 4 * i);
  for (int i = 0; i < 4; i++) v[8 + i] = IV[i];
  v[12] = (uint32_t)counter, v[13] = (uint32_t)(counter >> 32), v[14] = length, v[15] = flags;
  for (int r = 0; r < 7; r++) {
    const uint8_t *s = SCHEDULE[r];
    ROUND(G, v, m, s);
  }
  for (int i = 0; i < 8; i++) store32(cv + 4 * i, v[i] ^ v[i + 8]);
}

static void set_iv(uint8_t cv[32]) {
  for (int i = 0; i < 8; i++) store32(cv + 4 * i, IV[i]);
}

// The value of a chunk of `length` bytes (0 to 1024; only the input's one chunk may be empty), its last block
// compressed with `last_flags` too (ROOT when the chunk is the whole input).
static void chunk_value(const uint8_t *input, size_t length, uint64_t counter, uint32_t last_flags, uint8_t out[32]) {
  size_t blocks = length == 0 ? 1 : (length + BLOCK_LEN - 1) / BLOCK_LEN;
  set_iv(out);
  for (size_t b = 0; b < blocks; b++) {
    uint8_t block[BLOCK_LEN] = {0};
    size_t take = length - b * BLOCK_LEN < BLOCK_LEN ? length - b * BLOCK_LEN : BLOCK_LEN;
    if (take > 0) memcpy(block, input + b * BLOCK_LEN, take);
    uint32_t flags = (b == 0 ? CHUNK_START : 0) | (b + 1 == blocks ? CHUNK_END | last_flags : 0);
    compress(out, block, (uint32_t)take, counter, flags);
  }
}

// The value of the parent of two children whose values are the 64 bytes at `children` (left, then right).
static void parent_value(const uint8_t children[64], uint32_t extra_flags, uint8_t out[32]) {
  uint8_t block[BLOCK_LEN];
  memcpy(block, children, BLOCK_LEN);
  set_iv(out);
  compress(out, block, BLOCK_LEN, 0, PARENT | extra_flags);
}

// `count` independent inputs of `blocks` whole 64-byte blocks each, input j at `base + j·stride`, into their values
// at `out + 32·j`: chunks (blocks 16, counters counter + j, CHUNK_START on the first block and CHUNK_END on the
// last) or parents (blocks 1, counter 0, PARENT). `out` may overlap the inputs when it lies at or below them and
// stride ≥ 32 (the tree's levels are reduced in place): each group of inputs is read before its values are written.
typedef void (*hash_many_fn)(const uint8_t *base, size_t stride, size_t count, size_t blocks, uint64_t counter,
                             int chunks, uint8_t *out);

static void hash_many_portable(const uint8_t *base, size_t stride, size_t count, size_t blocks, uint64_t counter,
                               int chunks, uint8_t *out) {
  for (size_t j = 0; j < count; j++) {
    uint8_t cv[32];
    if (chunks) {
      set_iv(cv);
      for (size_t b = 0; b < blocks; b++) {
        uint32_t flags = (b == 0 ? CHUNK_START : 0) | (b + 1 == blocks ? CHUNK_END : 0);
        compress(cv, base + j * stride + b * BLOCK_LEN, BLOCK_LEN, counter + j, flags);
      }
    } else {
      parent_value(base + j * stride, 0, cv);
    }
    memcpy(out + 32 * j, cv, 32);
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

// Eight lanes of 32-bit words. The 16- and 8-bit rotations are byte shuffles; the others, two shifts and an or.
#define ADD8(a, b) _mm256_add_epi32(a, b)
#define XOR8(a, b) _mm256_xor_si256(a, b)
#define ROT8_BY(x, n) _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - n))
#define G8(v, a, b, c, d, x, y)                                                                    \
  do {                                                                                             \
    v[a] = ADD8(ADD8(v[a], v[b]), x), v[d] = _mm256_shuffle_epi8(XOR8(v[d], v[a]), rot16);          \
    v[c] = ADD8(v[c], v[d]), v[b] = ROT8_BY(XOR8(v[b], v[c]), 12);                                 \
    v[a] = ADD8(ADD8(v[a], v[b]), y), v[d] = _mm256_shuffle_epi8(XOR8(v[d], v[a]), rot8);           \
    v[c] = ADD8(v[c], v[d]), v[b] = ROT8_BY(XOR8(v[b], v[c]), 7);                                  \
  } while (0)

// r[i] holds row i of an 8×8 matrix of words; afterwards, column i.
__attribute__((target("avx2"))) static inline void transpose8(__m256i r[8]) {
  __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  r[0] = _mm256_permute2x128_si256(u0, u4, 0x20), r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
  r[2] = _mm256_permute2x128_si256(u2, u6, 0x20), r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
  r[4] = _mm256_permute2x128_si256(u0, u4, 0x31), r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
  r[6] = _mm256_permute2x128_si256(u2, u6, 0x31), r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

// Eight inputs at once, lane j holding input j: its blocks' words come in by two 8×8 transposes.
__attribute__((target("avx2"))) static void hash8_avx2(const uint8_t *base, size_t stride, size_t blocks,
                                                       uint64_t counter, int chunks, uint8_t *out) {
  const __m256i rot16 = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5,
                                         10, 11, 8, 9, 14, 15, 12, 13);
  const __m256i rot8 = _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4,
                                        9, 10, 11, 8, 13, 14, 15, 12);
  __m256i h[8], low, high;
  for (int i = 0; i < 8; i++) h[i] = _mm256_set1_epi32((int)IV[i]);
  if (chunks) {
    uint32_t lo[8], hi[8];
    for (int j = 0; j < 8; j++) lo[j] = (uint32_t)(counter + j), hi[j] = (uint32_t)((counter + j) >> 32);
    low = _mm256_loadu_si256((const __m256i *)lo), high = _mm256_loadu_si256((const __m256i *)hi);
  } else {
    low = high = _mm256_setzero_si256();
  }
  for (size_t b = 0; b < blocks; b++) {
    __m256i m[16];
    for (int j = 0; j < 8; j++) {
      const uint8_t *block = base + j * stride + b * BLOCK_LEN;
      m[j] = _mm256_loadu_si256((const __m256i *)block);
      m[8 + j] = _mm256_loadu_si256((const __m256i *)(block + 32));
    }
    transpose8(m);
    transpose8(m + 8);
    uint32_t flags = chunks ? (b == 0 ? CHUNK_START : 0) | (b + 1 == blocks ? CHUNK_END : 0) : PARENT;
    __m256i v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
                     _mm256_set1_epi32((int)IV[0]), _mm256_set1_epi32((int)IV[1]),
                     _mm256_set1_epi32((int)IV[2]), _mm256_set1_epi32((int)IV[3]),
                     low, high, _mm256_set1_epi32(BLOCK_LEN), _mm256_set1_epi32((int)flags)};
    for (int r = 0; r < 7; r++) {
      const uint8_t *s = SCHEDULE[r];
      ROUND(G8, v, m, s);
    }
    for (int i = 0; i < 8; i++) h[i] = XOR8(v[i], v[i + 8]);
  }
  transpose8(h);
  for (int j = 0; j < 8; j++) _mm256_storeu_si256((__m256i *)(out + 32 * j), h[j]);
}

__attribute__((target("avx2"))) static void hash_many_avx2(const uint8_t *base, size_t stride, size_t count,
                                                           size_t blocks, uint64_t counter, int chunks, uint8_t *out) {
  size_t j = 0;
  for (; j + 8 <= count; j += 8) hash8_avx2(base + j * stride, stride, blocks, counter + j, chunks, out + 32 * j);
  hash_many_portable(base + j * stride, stride, count - j, blocks, counter + j, chunks, out + 32 * j);
}

// Sixteen lanes of 32-bit words, with AVX-512's rotate; the blocks' words come in by gathers.
#define ADD16(a, b) _mm512_add_epi32(a, b)
#define XOR16(a, b) _mm512_xor_si512(a, b)
#define G16(v, a, b, c, d, x, y)                                                        \
  do {                                                                                  \
    v[a] = ADD16(ADD16(v[a], v[b]), x), v[d] = _mm512_ror_epi32(XOR16(v[d], v[a]), 16);  \
    v[c] = ADD16(v[c], v[d]), v[b] = _mm512_ror_epi32(XOR16(v[b], v[c]), 12);           \
    v[a] = ADD16(ADD16(v[a], v[b]), y), v[d] = _mm512_ror_epi32(XOR16(v[d], v[a]), 8);   \
    v[c] = ADD16(v[c], v[d]), v[b] = _mm512_ror_epi32(XOR16(v[b], v[c]), 7);            \
  } while (0)

__attribute__((target("avx512f"))) static void hash16_avx512(const uint8_t *base, size_t stride, size_t blocks,
                                                             uint64_t counter, int chunks, uint8_t *out) {
  __m512i h[8], low, high;
  for (int i = 0; i < 8; i++) h[i] = _mm512_set1_epi32((int)IV[i]);
  uint32_t lo[16], hi[16];
  int32_t offsets[16];
  for (int j = 0; j < 16; j++) {
    lo[j] = chunks ? (uint32_t)(counter + j) : 0, hi[j] = chunks ? (uint32_t)((counter + j) >> 32) : 0;
    offsets[j] = (int32_t)(j * stride);  // stride ≤ 1024, so 15·stride + 63 fits
  }
  low = _mm512_loadu_si512(lo), high = _mm512_loadu_si512(hi);
  const __m512i lanes = _mm512_loadu_si512(offsets);
  for (size_t b = 0; b < blocks; b++) {
    __m512i m[16];
    const uint8_t *block = base + b * BLOCK_LEN;
    for (int w = 0; w < 16; w++) m[w] = _mm512_i32gather_epi32(lanes, (const void *)(block + 4 * w), 1);
    uint32_t flags = chunks ? (b == 0 ? CHUNK_START : 0) | (b + 1 == blocks ? CHUNK_END : 0) : PARENT;
    __m512i v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
                     _mm512_set1_epi32((int)IV[0]), _mm512_set1_epi32((int)IV[1]),
                     _mm512_set1_epi32((int)IV[2]), _mm512_set1_epi32((int)IV[3]),
                     low, high, _mm512_set1_epi32(BLOCK_LEN), _mm512_set1_epi32((int)flags)};
    for (int r = 0; r < 7; r++) {
      const uint8_t *s = SCHEDULE[r];
      ROUND(G16, v, m, s);
    }
    for (int i = 0; i < 8; i++) h[i] = XOR16(v[i], v[i + 8]);
  }
  // Word i of lane j to out + 32·j + 4·i: scatter each word vector.
  const __m512i destinations = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                  _mm512_set1_epi32(32));
  for (int i = 0; i < 8; i++) _mm512_i32scatter_epi32((void *)(out + 4 * i), destinations, h[i], 1);
}

__attribute__((target("avx512f,avx2"))) static void hash_many_avx512(const uint8_t *base, size_t stride, size_t count,
                                                                     size_t blocks, uint64_t counter, int chunks,
                                                                     uint8_t *out) {
  size_t j = 0;
  for (; j + 16 <= count; j += 16) hash16_avx512(base + j * stride, stride, blocks, counter + j, chunks, out + 32 * j);
  hash_many_avx2(base + j * stride, stride, count - j, blocks, counter + j, chunks, out + 32 * j);
}

static int best_level(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2")) return 2;
  return __builtin_cpu_supports("avx2") ? 1 : 0;
}
#else
static int best_level(void) { return 0; }
#endif

int candor_blake3_best_level(void) { return best_level(); }

static hash_many_fn hash_many_for(int level) {
#if defined(__x86_64__)
  int best = best_level();
  if (level > best) level = best;
  if (level >= 2) return hash_many_avx512;
  if (level == 1) return hash_many_avx2;
#endif
  (void)level;
  return hash_many_portable;
}

// The values of `chunks` chunks from `input` (the last one of `length - 1024·(chunks − 1)` bytes) reduced to two
// children, written to `pair` (or, for one chunk, that chunk's value to `pair`, with `last_flags` on its last
// block), through `scratch` (32·chunks bytes). Returns the number of values left: 1 or 2.
static int reduce_to_pair(hash_many_fn hash_many, const uint8_t *input, size_t length, size_t chunks, uint64_t counter,
                          uint32_t last_flags, uint8_t *scratch, uint8_t pair[64]) {
  if (chunks == 1) {
    chunk_value(input, length, counter, last_flags, pair);
    return 1;
  }
  size_t whole = length / CHUNK_LEN;  // chunks whose 1024 bytes are all there
  if (whole > chunks) whole = chunks;
  hash_many(input, CHUNK_LEN, whole, CHUNK_LEN / BLOCK_LEN, counter, 1, scratch);
  if (whole < chunks) chunk_value(input + whole * CHUNK_LEN, length - whole * CHUNK_LEN, counter + whole, 0, scratch + 32 * whole);
  // Pair neighbours level by level; an odd last value moves up unpaired (the left subtrees stay full).
  size_t n = chunks;
  while (n > 2) {
    size_t pairs = n / 2;
    hash_many(scratch, 64, pairs, 1, 0, 0, scratch);
    if (n & 1) memmove(scratch + 32 * pairs, scratch + 32 * (n - 1), 32);
    n = pairs + (n & 1);
  }
  memcpy(pair, scratch, 64);
  return 2;
}

void candor_blake3_level(const uint8_t *input, size_t length, int level, uint8_t out[32]) {
  hash_many_fn hash_many = hash_many_for(level);
  size_t chunks = length == 0 ? 1 : (length + CHUNK_LEN - 1) / CHUNK_LEN;
  uint8_t *scratch = malloc(32 * (chunks < SEGMENT_CHUNKS ? chunks : SEGMENT_CHUNKS) + 64);
  if (scratch == NULL) abort();  // at most 128 KiB: no digest is better than a wrong one
  // §5.1.2's stack: the values of the full subtrees to the left, largest first (at most 54 for 2⁶⁴ bytes).
  uint8_t stack[64][32], pair[64];
  int depth = 0;
  size_t done = 0;
  uint64_t segments = 0;
  // A segment is hashed here only when input follows it, so it is never the root.
  while (chunks - done > SEGMENT_CHUNKS) {
    reduce_to_pair(hash_many, input + done * CHUNK_LEN, SEGMENT_CHUNKS * CHUNK_LEN, SEGMENT_CHUNKS, done, 0, scratch, pair);
    uint8_t value[32];
    parent_value(pair, 0, value);
    segments++;
    for (uint64_t t = segments; (t & 1) == 0; t >>= 1) {
      memcpy(pair, stack[--depth], 32);
      memcpy(pair + 32, value, 32);
      parent_value(pair, 0, value);
    }
    memcpy(stack[depth++], value, 32);
    done += SEGMENT_CHUNKS;
  }
  const uint8_t *rest = input + done * CHUNK_LEN;
  size_t rest_length = length - done * CHUNK_LEN;
  if (depth == 0) {
    // The rest is the whole input: its last compression is the root's.
    if (reduce_to_pair(hash_many, rest, rest_length, chunks, 0, ROOT, scratch, pair) == 1) {
      memcpy(out, pair, 32);
    } else {
      parent_value(pair, ROOT, out);
    }
  } else {
    uint8_t value[32];
    if (reduce_to_pair(hash_many, rest, rest_length, chunks - done, done, 0, scratch, pair) == 1) {
      memcpy(value, pair, 32);
    } else {
      parent_value(pair, 0, value);
    }
    // The right edge, folded into the subtrees to its left; the last fold is the root.
    while (depth > 0) {
      memcpy(pair, stack[--depth], 32);
      memcpy(pair + 32, value, 32);
      parent_value(pair, depth == 0 ? ROOT : 0, value);
    }
    memcpy(out, value, 32);
  }
  free(scratch);
}

void candor_blake3(const uint8_t *input, size_t length, uint8_t out[32]) { candor_blake3_level(input, length, 2, out); }
