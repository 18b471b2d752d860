#ifndef CANDOR_CKERNELS_H
#define CANDOR_CKERNELS_H

#include <stdint.h>

/// 1 when this CPU has AVX2 and FMA, so the *_avx2 kernels may run; 0 otherwise (callers take their portable path).
int candor_kernels_have_avx2_fma(void);

/// out[r] = sigmoid(bias + Σ_u max(hidden[r·width + u], 0) · weights[u]) for r < rows: a one-hidden-layer binary
/// network's output from its hidden pre-activations. Four rows at a time, the sigmoid's exp by
/// candor_exp_avx2's polynomial; every row gets the same arithmetic wherever it sits in the batch.
void candor_relu_dot_sigmoid_avx2(const double *hidden, long rows, long width, const double *weights, double bias,
                                  double *out);

/// (The kernels' exp on its own, for tests.) out[i] = exp(x[i]) for x[i] <= 0, within 2 ulp of the correctly rounded value; below -708 (where the result
/// is subnormal or 0) libm's exp.
void candor_exp_avx2(const double *x, long count, double *out);

/// out[i] = x[i] + y[i] for i < count, with AVX2 where the CPU has it and `portable` is 0 (the same bits either
/// way). `out` may be `x` or `y`.
void candor_add_doubles(const double *x, const double *y, double *out, long count, int portable);

/// What candor_scan_records found.
typedef struct {
  /// Records (non-blank lines) from `from` on, or before record `stop`.
  long records;
  /// Where record `stop` starts; n when there are no more than `stop` records (or no stop).
  long offset;
  /// Line feeds between `from` and `offset`.
  long line_feeds;
  /// 1 when the bytes scanned hold a double quote.
  int quote;
  /// 1 when they hold a carriage return that does not end a line (not followed by a line feed, and not the last byte).
  int lone_cr;
} candor_record_scan;

/// Scans bytes[from ..< n], `from` being a line's first byte, for its records: lines that are neither empty nor a
/// lone "\r". (A line that starts with a carriage return not followed by a line feed is not counted, but it sets
/// `lone_cr`, and RecordLocator then scans the file whole.) With `stop` >= 0, stops at the start of record `stop` (counted from 0); with -1, counts them all.
/// 64 bytes at a time with AVX2 when the CPU has it and `portable` is 0, else in portable C (the same result).
void candor_scan_records(const uint8_t *bytes, long n, long from, long stop, int portable, candor_record_scan *out);

/// Where candor_scan_plain_fields is, in and out.
typedef struct {
  /// In: where to go on (the first byte of a line); out: where it stopped.
  long pos;
  /// The line number at `pos`.
  long line;
  /// Field boundaries stored in starts/ends so far, and records (their lines) in lines.
  long fields;
  long records;
  /// With status 2: the fields of the record on `line`.
  long found;
  /// 0: the end was reached; 1: the buffers are full (grow them and call again); 2: a record on `line` has not
  /// `columns` fields.
  int status;
} candor_plain_scan;

/// The records of quote-free CSV from state->pos to `end`: fields end at commas, records at LF, CRLF or CR; blank
/// lines are skipped. Each record must have `columns` fields: their byte ranges go to starts/ends, the record's line
/// to lines. Stops before a record that would not fit the capacities.
void candor_scan_plain_fields(const uint8_t *bytes, long end, long columns, uint32_t *starts, uint32_t *ends,
                              long field_capacity, uint32_t *lines, long line_capacity, int portable,
                              candor_plain_scan *state);

#endif
