#ifndef CANDOR_CDIGESTS_H
#define CANDOR_CDIGESTS_H

#include <stddef.h>
#include <stdint.h>

/// FIPS 180-4's 64 round constants K, shared with the portable Swift code.
extern const uint32_t candor_sha256_round_constants[64];

/// 1 when this CPU has the SHA extensions (and the SSSE3/SSE4.1 they need here), else 0.
int candor_sha256_hardware(void);

/// Runs SHA-256's compression function over `blocks` 64-byte blocks at `data`, updating `state` (a..h), with the
/// CPU's SHA instructions. Call only when `candor_sha256_hardware()` is 1.
void candor_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// BLAKE3 (the unkeyed hash, 32 bytes of output) of the `length` bytes at `input` into `out`, with the widest vector
/// instructions this CPU has (AVX-512, AVX2, or none).
void candor_blake3(const uint8_t *input, size_t length, uint8_t out[32]);

/// BLAKE3 as `candor_blake3`, with at most the instructions of `level`: 0 portable C, 1 AVX2, 2 AVX-512 (a level
/// the CPU lacks falls back to the best it has). For tests, which compare the levels.
void candor_blake3_level(const uint8_t *input, size_t length, int level, uint8_t out[32]);

/// The widest level this CPU runs: 0, 1 or 2.
int candor_blake3_best_level(void);

#endif
