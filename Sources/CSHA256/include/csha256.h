#ifndef CANDOR_CSHA256_H
#define CANDOR_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// FIPS 180-4's 64 round constants K, shared with the portable Swift code.
extern const uint32_t candor_sha256_round_constants[64];

/// 1 when this CPU has the SHA extensions (and the SSSE3/SSE4.1 they need here), else 0.
int candor_sha256_hardware(void);

/// Runs SHA-256's compression function over `blocks` 64-byte blocks at `data`, updating `state` (a..h), with the
/// CPU's SHA instructions. Call only when `candor_sha256_hardware()` is 1.
void candor_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
