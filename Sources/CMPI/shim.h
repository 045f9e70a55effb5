#include <mpi.h>

// Open MPI's predefined handles are macros over casts of global objects, which Swift cannot
// import; these inline functions hand them to Swift.
static inline MPI_Comm stepwise_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype stepwise_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype stepwise_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype stepwise_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype stepwise_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op stepwise_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op stepwise_mpi_max(void) { return MPI_MAX; }
static inline void *stepwise_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *stepwise_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int stepwise_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int stepwise_mpi_any_tag(void) { return MPI_ANY_TAG; }
static inline int stepwise_mpi_success(void) { return MPI_SUCCESS; }
static inline MPI_Errhandler stepwise_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Info stepwise_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline int stepwise_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
