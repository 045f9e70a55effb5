#include <oneapi/dnnl/dnnl.h>

// oneDNN runs on GCC's OpenMP runtime (libgomp, loaded as a dependency of libdnnl). Debian ships
// no unversioned `libgomp.so` on the default linker path, so the module does not link libgomp
// directly: `Kernels.KernelThreads` resolves `omp_set_num_threads` / `omp_get_max_threads` with
// dlsym at run time from the libgomp that libdnnl already loaded. One runtime, one pool.

// DNNL_MEMORY_ALLOCATE is a cast macro that Swift cannot import.
static inline void *stepwise_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
