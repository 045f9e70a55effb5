internal import CDNNL

/// An error from oneDNN: the call that failed and its status code.
public struct DNNLError: Error, CustomStringConvertible, Sendable {
  public let call: String
  public let status: Int
  public var description: String { "oneDNN \(call) failed with status \(status)" }

  public init(call: String, status: Int) {
    self.call = call
    self.status = status
  }
}

@inline(__always)
func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws {
  if status != dnnl_success {
    throw DNNLError(call: call(), status: Int(status.rawValue))
  }
}

/// A CPU engine and an in-order stream. One per model instance: oneDNN streams are not meant to
/// be shared between threads, and a model is used by one worker at a time.
public final class DNNLContext: @unchecked Sendable {
  let engine: dnnl_engine_t
  let stream: dnnl_stream_t

  public init() throws {
    var engine: dnnl_engine_t?
    try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
    guard let engine else { throw DNNLError(call: "dnnl_engine_create", status: -1) }
    var stream: dnnl_stream_t?
    let status = dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue))
    guard status == dnnl_success, let stream else {
      dnnl_engine_destroy(engine)
      throw DNNLError(call: "dnnl_stream_create", status: Int(status.rawValue))
    }
    self.engine = engine
    self.stream = stream
  }

  deinit {
    dnnl_stream_destroy(stream)
    dnnl_engine_destroy(engine)
  }
}

/// A plain (user-layout) memory descriptor: `tag` is e.g. `dnnl_nchw`, `dnnl_oihw`, `dnnl_x`.
func plainDesc(_ dims: [Int], _ tag: dnnl_format_tag_t) throws -> dnnl_memory_desc_t {
  var md = dnnl_memory_desc_t()
  let d = dims.map(Int64.init)
  try check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "memory_desc")
  return md
}

/// A memory object over a descriptor. With `handle == nil` it starts unbound (the caller binds a
/// buffer before each execution with `bind`); with `owned` oneDNN allocates and owns the buffer.
final class DNNLMemory {
  let memory: dnnl_memory_t
  var desc: dnnl_memory_desc_t

  init(_ desc: dnnl_memory_desc_t, _ context: DNNLContext, owned: Bool) throws {
    var md = desc
    var mem: dnnl_memory_t?
    let handle = owned ? stepwise_dnnl_memory_allocate() : nil
    try check(dnnl_memory_create(&mem, &md, context.engine, handle), "dnnl_memory_create")
    guard let mem else { throw DNNLError(call: "dnnl_memory_create", status: -1) }
    self.memory = mem
    self.desc = md
  }

  /// Points the memory at a caller's buffer (no copy).
  @inline(__always)
  func bind(_ pointer: UnsafeRawPointer) {
    dnnl_memory_set_data_handle(memory, UnsafeMutableRawPointer(mutating: pointer))
  }

  var dataHandle: UnsafeMutableRawPointer? {
    var p: UnsafeMutableRawPointer?
    dnnl_memory_get_data_handle(memory, &p)
    return p
  }

  deinit { dnnl_memory_destroy(memory) }
}

/// A primitive plus the memory objects of its arguments, executed on a context's stream.
final class DNNLPrimitive {
  let primitive: dnnl_primitive_t
  var args: [dnnl_exec_arg_t]

  init(_ pd: dnnl_primitive_desc_t, args: [(Int32, DNNLMemory)]) throws {
    var prim: dnnl_primitive_t?
    try check(dnnl_primitive_create(&prim, pd), "dnnl_primitive_create")
    guard let prim else { throw DNNLError(call: "dnnl_primitive_create", status: -1) }
    self.primitive = prim
    self.args = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.memory) }
  }

  /// Runs the primitive and waits for it (CPU streams are synchronous in effect).
  func execute(_ context: DNNLContext) throws {
    let n = Int32(args.count)
    let status = args.withUnsafeBufferPointer {
      dnnl_primitive_execute(primitive, context.stream, n, $0.baseAddress)
    }
    try check(status, "dnnl_primitive_execute")
  }

  deinit { dnnl_primitive_destroy(primitive) }
}

/// A reorder between two layouts of the same tensor.
func makeReorder(
  from src: DNNLMemory, to dst: DNNLMemory, _ context: DNNLContext
) throws -> DNNLPrimitive {
  var pd: dnnl_primitive_desc_t?
  try check(
    dnnl_reorder_primitive_desc_create(
      &pd, &src.desc, context.engine, &dst.desc, context.engine, nil),
    "dnnl_reorder_primitive_desc_create")
  guard let pd else { throw DNNLError(call: "reorder pd", status: -1) }
  defer { dnnl_primitive_desc_destroy(pd) }
  return try DNNLPrimitive(pd, args: [(DNNL_ARG_FROM, src), (DNNL_ARG_TO, dst)])
}

func descsEqual(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
  var a = a
  var b = b
  return dnnl_memory_desc_equal(&a, &b) != 0
}

func queryDesc(_ pd: dnnl_primitive_desc_t, _ what: dnnl_query_t) throws -> dnnl_memory_desc_t {
  guard let p = dnnl_primitive_desc_query_md(pd, what, 0) else {
    throw DNNLError(call: "dnnl_primitive_desc_query_md", status: -1)
  }
  return p.pointee
}

/// The name of the implementation oneDNN chose (e.g. `jit:avx512_core`), for benchmarks.
func implementationName(_ pd: dnnl_primitive_desc_t) -> String {
  var name: UnsafePointer<CChar>?
  let status = withUnsafeMutablePointer(to: &name) {
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, UnsafeMutableRawPointer($0))
  }
  guard status == dnnl_success, let name else { return "?" }
  return String(cString: name)
}
