internal import CMPI
import Collectives
import Foundation
import Synchronization

/// The process's Open MPI runtime: started at most once, on demand, and only when the process was
/// launched by `mpirun` (a plain `stepwise run` never touches MPI).
public enum MPIRuntime {
  /// Whether `mpirun` launched this process (Open MPI sets `OMPI_COMM_WORLD_SIZE` in every rank),
  /// or Slurm's `srun --mpi=pmix` did (it sets `PMIX_RANK`, as `mpirun` also does).
  public static var isLaunchedByMPI: Bool {
    let environment = ProcessInfo.processInfo.environment
    return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
  }

  private static let started = Mutex<Bool>(false)

  /// Starts MPI (`MPI_Init_thread`, asking for `MPI_THREAD_SERIALIZED`: several threads may call
  /// MPI, never at once) and returns the world communicator. Errors are returned, not fatal
  /// (`MPI_ERRORS_RETURN` on the world communicator).
  public static func world() throws(CollectiveError) -> MPICommunicator {
    let failure = started.withLock { (isStarted) -> CollectiveError? in
      if isStarted { return nil }
      var provided: Int32 = 0
      let code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided)
      if code != stepwise_mpi_success() {
        return .transport(operation: "MPI_Init_thread", code: Int(code), message: "")
      }
      MPI_Comm_set_errhandler(stepwise_mpi_comm_world(), stepwise_mpi_errors_return())
      isStarted = true
      return nil
    }
    if let failure { throw failure }
    return try MPICommunicator(handle: stepwise_mpi_comm_world(), owned: false)
  }

  /// Shuts MPI down; call once, after every collective, before the process exits.
  public static func finalize() {
    started.withLock { isStarted in
      if isStarted { MPI_Finalize() }
      isStarted = false
    }
  }

  /// Ends every rank of the job with `code` (`MPI_Abort`), for when some rank can never reach
  /// `MPI_Finalize` (it waits in a collective with a rank that died). `mpirun` exits with `code`.
  public static func abort(code: Int32) -> Never {
    _ = MPI_Abort(stepwise_mpi_comm_world(), code)
    exit(code)
  }

  /// Turns an MPI return code into an error carrying MPI's own message.
  static func check(_ code: Int32, _ operation: String) throws(CollectiveError) {
    if code == stepwise_mpi_success() { return }
    var text = [CChar](repeating: 0, count: 512)
    var length: Int32 = 0
    MPI_Error_string(code, &text, &length)
    let message = String(
      decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw .transport(operation: operation, code: Int(code), message: message)
  }
}
