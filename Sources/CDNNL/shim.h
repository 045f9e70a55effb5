#include <oneapi/dnnl/dnnl.h>

// oneDNN runs on GCC's OpenMP runtime (libgomp, loaded as a dependency of libdnnl). Debian ships
// no unversioned `libgomp.so` on the default linker path, so the module does not link libgomp
// directly: `Kernels.KernelThreads` resolves `omp_set_num_threads` / `omp_get_max_threads` with
// dlsym at run time from the libgomp that libdnnl already loaded. One runtime, one pool.

// DNNL_MEMORY_ALLOCATE is a cast macro that Swift cannot import.
static inline void *stepwise_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
// Sets flush-to-zero (bit 15) and denormals-are-zero (bit 6) in the calling thread's MXCSR.
// Threads created afterwards by this thread (OpenMP workers) inherit it.
static inline void stepwise_flush_denormals(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
#else
static inline void stepwise_flush_denormals(void) {}
#endif
