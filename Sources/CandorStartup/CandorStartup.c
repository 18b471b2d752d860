// OpenBLAS reads OPENBLAS_NUM_THREADS in its library constructor and starts its worker threads right there.
// Candor runs BLAS on one thread and parallelizes itself, so those threads are pure cost: creating them and
// stopping them again takes about 1.5 ms of every run. A function in the executable's .preinit_array runs
// before any shared library's constructor (System V ABI, DT_PREINIT_ARRAY), early enough to ask for one
// thread. A value the user set is left alone.
#include <stdlib.h>
#include "CandorStartup.h"

static void candor_single_threaded_blas(int argc, char **argv, char **envp) {
  (void)argc;
  (void)argv;
  (void)envp;
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
}

__attribute__((section(".preinit_array"), used))
static void (*const candor_preinit)(int, char **, char **) = candor_single_threaded_blas;

int candor_startup_linked(void) { return 1; }
