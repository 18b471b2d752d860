// Whether this CPU runs AVX2 (the kernels' runtime check; 0 off x86). Private to CKernels' C files.
#ifndef CANDOR_CKERNELS_CPU_H
#define CANDOR_CKERNELS_CPU_H

static inline int have_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
#else
  return 0;
#endif
}

#endif
