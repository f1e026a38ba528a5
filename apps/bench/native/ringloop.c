/* Native reference for the ring benchmark: the same elementwise kernels as @sfw/ring
 * (out = a*b + c mod 2^64, and mod 2^128 with unsigned __int128), compiled with gcc -O2 at
 * bench time. Usage: ringloop <op: muladd64|muladd128|mul64|add64> <n> <reps>
 * Prints one JSON object: {"op":..,"n":..,"times_ms":[..],"check":..}.
 * The checksum is printed so the compiler cannot drop the loop. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef unsigned __int128 u128;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) { /* xorshift64*: test data only */
  rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
  return rng * 2685821657736338717ull;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void muladd64(const uint64_t *a, const uint64_t *b, const uint64_t *c, uint64_t *o, size_t n) {
  for (size_t i = 0; i < n; i++) o[i] = a[i] * b[i] + c[i];
}
static void mul64(const uint64_t *a, const uint64_t *b, uint64_t *o, size_t n) {
  for (size_t i = 0; i < n; i++) o[i] = a[i] * b[i];
}
static void add64(const uint64_t *a, const uint64_t *b, uint64_t *o, size_t n) {
  for (size_t i = 0; i < n; i++) o[i] = a[i] + b[i];
}
static void muladd128(const u128 *a, const u128 *b, const u128 *c, u128 *o, size_t n) {
  for (size_t i = 0; i < n; i++) o[i] = a[i] * b[i] + c[i];
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: ringloop op n reps\n"); return 2; }
  const char *op = argv[1];
  size_t n = strtoull(argv[2], NULL, 10);
  int reps = atoi(argv[3]);
  int wide = strstr(op, "128") != NULL;
  size_t bytes = n * (wide ? 16 : 8);
  uint64_t *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes), *c = aligned_alloc(64, bytes), *o = aligned_alloc(64, bytes);
  if (!a || !b || !c || !o) return 3;
  for (size_t i = 0; i < bytes / 8; i++) { a[i] = next(); b[i] = next(); c[i] = next(); o[i] = 0; }
  printf("{\"op\":\"%s\",\"n\":%zu,\"times_ms\":[", op, n);
  uint64_t check = 0;
  for (int r = 0; r < reps + 1; r++) { /* first rep is warm-up (page faults) */
    double t0 = now_ms();
    if (!strcmp(op, "muladd64")) muladd64(a, b, c, o, n);
    else if (!strcmp(op, "mul64")) mul64(a, b, o, n);
    else if (!strcmp(op, "add64")) add64(a, b, o, n);
    else if (!strcmp(op, "muladd128")) muladd128((u128 *)a, (u128 *)b, (u128 *)c, (u128 *)o, n);
    else { fprintf(stderr, "unknown op\n"); return 2; }
    double t1 = now_ms();
    check ^= o[(r * 7919) % (bytes / 8)];
    if (r > 0) printf("%s%.4f", r > 1 ? "," : "", t1 - t0);
  }
  printf("],\"check\":\"%llu\"}\n", (unsigned long long)check);
  return 0;
}
