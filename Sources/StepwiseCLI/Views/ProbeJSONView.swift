import Planning
import Primitives
import Training

/// `stepwise probe --json`: every measurement and prediction as one canonical JSON document
/// (`formatVersion` 1, sorted keys). Non-finite numbers are null.
struct ProbeJSONView {
  static let formatVersion = 1

  func render(_ r: StudyProbe.Result) -> String {
    func number(_ v: Double) -> CanonicalJSON { v.isFinite ? .double(v) : .null }
    let rows: [CanonicalJSON] = r.rows.map { row in
      let measurements: [CanonicalJSON] = row.measurements.map { m in
        let e = m.estimate
        return .object([
          "step": .int(Int64(m.step)), "noiseScale": number(e.noiseScale),
          "gradientSquaredNorm": number(e.gradientSquaredNorm),
          "gradientSquaredNormError": number(e.gradientSquaredNormError),
          "traceCovariance": number(e.traceCovariance),
          "traceCovarianceError": number(e.traceCovarianceError),
          "meanSmallSquaredNorm": number(e.meanSmallSquaredNorm),
          "meanBigSquaredNorm": number(e.meanBigSquaredNorm),
          "smallBatch": .int(Int64(e.smallBatch)), "bigBatch": .int(Int64(e.bigBatch)),
          "draws": .int(Int64(e.draws)), "seconds": number(m.seconds),
        ])
      }
      var metaparameters: [String: CanonicalJSON] = [:]
      for (k, v) in row.metaparameters { metaparameters[k.rawValue] = number(v) }
      return .object([
        "optimizer": .string(row.optimizer), "sparsity": number(row.sparsity),
        "batchSize": .int(Int64(row.batchSize)), "metaparameters": .object(metaparameters),
        "mask": .string(row.maskSource), "measurements": .array(measurements),
        "predictedCriticalBatchSize": row.predictedCriticalBatchSize.map(number) ?? .null,
        "validationError": row.validationError.map(number) ?? .null,
        "lipschitz": row.lipschitz.map { l in
          .object([
            "step": .int(Int64(l.step)), "estimate": number(l.estimate),
            "perGamma": .array(l.perGamma.map(number)), "gammas": .array(l.gammas.map(number)),
            "gradientNorm": number(l.gradientNorm), "stepNorm": number(l.stepNorm),
            "examples": .int(Int64(l.examples)), "seconds": number(l.seconds),
          ])
        } ?? .null,
        "seconds": number(row.seconds),
      ])
    }
    let range: CanonicalJSON =
      r.recommendedRange.map {
        .object(["min": .int(Int64($0.lowerBound)), "max": .int(Int64($0.upperBound))])
      } ?? .null
    return CanonicalJSON.object([
      "formatVersion": .int(Int64(Self.formatVersion)), "workload": .string(r.workload),
      "steps": .int(Int64(r.options.steps)), "everySteps": .int(Int64(r.options.everySteps)),
      "rows": .array(rows), "recommendedBatchSizes": range,
      "studyBatchSizes": .array(r.studyBatchSizes.map { .int(Int64($0)) }),
      "seconds": number(r.seconds),
    ]).text + "\n"
  }
}
