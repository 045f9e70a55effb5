#include <oneapi/dnnl/dnnl.h>

// The OpenMP runtime oneDNN was built with (libgomp). omp.h lives in GCC's private include
// directory, which Swift's clang does not search, so the two calls Stepwise needs are declared here.
extern void omp_set_num_threads(int num_threads);
extern int omp_get_max_threads(void);
