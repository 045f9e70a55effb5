import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `probes:` — Lee et al.'s Lipschitz smoothness and McCandlish et al.'s gradient noise scale,
/// measured inside trials (see `ProbesSpec`). `on` says which trials: `all`, or a number k for
/// the first k trials of every cell.
enum ProbesSection {
  static let keys = ["on", "lipschitz", "noise_scale"]
  static let lipschitzKeys = ["every_steps", "gammas", "examples"]
  static let noiseScaleKeys = ["every_steps", "batch_sizes", "draws"]
  static let defaultDraws = 16
}

extension WorkloadChecker {
  /// nil on an error; `.some(nil)` when the section is absent.
  func probes(_ node: YAMLNode?, anchor: SourceRange?) -> ProbesSpec?? {
    guard let node else { return .some(nil) }
    guard let view = mapping(node, section: "probes", keys: ProbesSection.keys, anchor: anchor)
    else { return nil }
    var on: ProbesSpec.Selection? = .all
    if let n = view["on"] {
      on = allOrCount(n, "probes.on").map { $0.map { .firstPerCell($0) } ?? .all }
    }
    var lipschitz: ProbesSpec.Lipschitz?? = .some(nil)
    if let l = view["lipschitz"] {
      lipschitz = probeLipschitz(l, anchor: view.keyRange("lipschitz"))
    }
    var noise: ProbesSpec.NoiseScale?? = .some(nil)
    if let s = view["noise_scale"] {
      noise = probeNoiseScale(s, anchor: view.keyRange("noise_scale"))
    }
    guard let on, let lipschitz, let noise else { return nil }
    return .some(ProbesSpec(on: on, lipschitz: lipschitz, noiseScale: noise))
  }

  private func probeLipschitz(_ node: YAMLNode, anchor: SourceRange?) -> ProbesSpec.Lipschitz?? {
    guard
      let view = mapping(
        node, section: "probes.lipschitz", keys: ProbesSection.lipschitzKeys, anchor: anchor)
    else { return nil }
    guard let e = view["every_steps"] else {
      report(
        CommonMessages.missingKey(
          "every_steps", section: "probes.lipschitz", at: anchor ?? node.range,
          help: "Lee et al. probe every 1000 steps"))
      return nil
    }
    let every = integer(e, "probes.lipschitz.every_steps", atLeast: 1)
    var gammas: [Double]? = ProbesSpec.Lipschitz.leeEtAlGammas
    if let g = view["gammas"] {
      gammas = nil
      if let items = sequence(g, "probes.lipschitz.gammas") {
        if items.isEmpty {
          report(CommonMessages.emptyList(what: "probes.lipschitz.gammas", at: g.range))
        } else {
          let values = items.map { item -> Double? in
            guard let v = real(item, "probes.lipschitz.gammas") else { return nil }
            guard v > 0, v <= 1 else {
              report(
                CommonMessages.outOfRange(
                  what: "probes.lipschitz.gammas", value: "\(v)", rule: "in (0, 1]",
                  at: item.range, help: "a gamma is a fraction of the step: w_prev + gamma Delta"))
              return nil
            }
            return v
          }
          if values.allSatisfy({ $0 != nil }) { gammas = values.compactMap { $0 } }
        }
      }
    }
    var examples: Int?? = .some(nil)
    if let x = view["examples"] { examples = allOrCount(x, "probes.lipschitz.examples") }
    guard let every, let gammas, let examples else { return nil }
    return .some(ProbesSpec.Lipschitz(everySteps: every, gammas: gammas, examples: examples))
  }

  private func probeNoiseScale(_ node: YAMLNode, anchor: SourceRange?) -> ProbesSpec.NoiseScale?? {
    guard
      let view = mapping(
        node, section: "probes.noise_scale", keys: ProbesSection.noiseScaleKeys, anchor: anchor)
    else { return nil }
    for key in ["every_steps", "batch_sizes"] where !view.has(key) {
      report(
        CommonMessages.missingKey(
          key, section: "probes.noise_scale", at: anchor ?? node.range,
          help: key == "batch_sizes" ? "for example [32, 512]: the small and the big batch" : nil))
    }
    guard let e = view["every_steps"], let b = view["batch_sizes"] else { return nil }
    let every = integer(e, "probes.noise_scale.every_steps", atLeast: 1)
    var sizes: (Int, Int)?
    if let items = sequence(b, "probes.noise_scale.batch_sizes") {
      let values = items.map { integer($0, "probes.noise_scale.batch_sizes", atLeast: 1) }
      if values.count == 2, let small = values[0], let big = values[1] {
        if small < big {
          sizes = (small, big)
        } else {
          report(
            CommonMessages.outOfRange(
              what: "probes.noise_scale.batch_sizes", value: "[\(small), \(big)]",
              rule: "[small, big] with small < big", at: b.range))
        }
      } else if values.count != 2 {
        report(
          CommonMessages.outOfRange(
            what: "probes.noise_scale.batch_sizes", value: "\(values.count) sizes",
            rule: "two sizes, [small, big]", at: b.range))
      }
    }
    var draws: Int? = ProbesSection.defaultDraws
    if let d = view["draws"] { draws = integer(d, "probes.noise_scale.draws", atLeast: 2) }
    guard let every, let sizes, let draws else { return nil }
    return .some(
      ProbesSpec.NoiseScale(everySteps: every, smallBatch: sizes.0, bigBatch: sizes.1, draws: draws)
    )
  }

  /// `all` (`.some(nil)`) or a count of at least 1; nil on an error.
  private func allOrCount(_ node: YAMLNode, _ what: String) -> Int?? {
    if let scalar = node.scalar, scalar.value == "all" { return .some(nil) }
    guard let n = integer(node, what, atLeast: 1) else { return nil }
    return .some(n)
  }
}
