import Foundation
import Planning

/// A stored pruning mask: computed once per pruning node and shared by every batch size.
public struct MaskRecord: Hashable, Sendable {
  /// The pruning node's key.
  public var key: TrialKey
  public var sparsity: Double
  /// The method's name (`snip`, `grasp`, ...).
  public var method: String
  /// Kept parameters per layer, in layer order: what the report shows about where pruning bit.
  public var layerDensity: [LayerDensity]
  public var mask: PackedMask

  /// Kept and total prunable parameters of one layer's tensor.
  public struct LayerDensity: Hashable, Sendable, Codable {
    public var layer: String
    public var kept: Int
    public var total: Int
    public init(layer: String, kept: Int, total: Int) {
      self.layer = layer
      self.kept = kept
      self.total = total
    }
    public var density: Double { total > 0 ? Double(kept) / Double(total) : 0 }
  }

  public init(
    key: TrialKey, sparsity: Double, method: String, layerDensity: [LayerDensity],
    mask: PackedMask
  ) {
    self.key = key
    self.sparsity = sparsity
    self.method = method
    self.layerDensity = layerDensity
    self.mask = mask
  }
}

extension ResultsStore {
  /// Stores a mask. Masks are content-addressed, so saving one that exists keeps the first.
  public func saveMask(_ record: MaskRecord) throws {
    let densities = String(
      decoding: try JSONEncoder().encode(record.layerDensity), as: UTF8.self)
    try withConnection { db in
      try db.prepare(
        """
        INSERT INTO masks (key, sparsity, method, parameter_count, layer_density_json, bits,
          created)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
        """
      ).execute([
        .text(record.key.hex), .real(record.sparsity), .text(record.method),
        .integer(record.mask.count), .text(densities), .blob(record.mask.bits), .real(Self.now()),
      ])
    }
  }

  /// The mask of a pruning node, if stored.
  public func mask(_ key: TrialKey) throws -> MaskRecord? {
    let row = try withConnection { db -> (Double, String, Int, String, [UInt8])? in
      let statement = try db.prepare(
        """
        SELECT sparsity, method, parameter_count, layer_density_json, bits FROM masks
        WHERE key = ?
        """)
      try statement.bindAll([.text(key.hex)])
      defer { statement.reset() }
      guard try statement.step() else { return nil }
      return (
        statement.double(0), statement.string(1), statement.int(2), statement.string(3),
        statement.blob(4)
      )
    }
    guard let row else { return nil }
    let densities = try JSONDecoder().decode(
      [MaskRecord.LayerDensity].self, from: Data(row.3.utf8))
    return MaskRecord(
      key: key, sparsity: row.0, method: row.1, layerDensity: densities,
      mask: PackedMask(count: row.2, bits: row.4))
  }
}

/// A stored mask's per-layer counts, without its bits.
public struct MaskDensityRecord: Hashable, Sendable {
  public var key: TrialKey
  public var sparsity: Double
  public var method: String
  public var layers: [MaskRecord.LayerDensity]
}

extension ResultsStore {
  /// Every stored mask's per-layer counts, without the bits: what the report draws.
  public func maskDensities() throws -> [MaskDensityRecord] {
    let rows = try withConnection { db -> [(String, Double, String, String)] in
      let statement = try db.prepare(
        "SELECT key, sparsity, method, layer_density_json FROM masks ORDER BY sparsity, key")
      var rows: [(String, Double, String, String)] = []
      while try statement.step() {
        rows.append(
          (statement.string(0), statement.double(1), statement.string(2), statement.string(3)))
      }
      return rows
    }
    let decoder = JSONDecoder()
    return try rows.map { row in
      MaskDensityRecord(
        key: TrialKey(hex: row.0), sparsity: row.1, method: row.2,
        layers: try decoder.decode([MaskRecord.LayerDensity].self, from: Data(row.3.utf8)))
    }
  }
}
