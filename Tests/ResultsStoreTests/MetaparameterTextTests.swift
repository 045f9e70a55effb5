import Testing
import WorkloadModel

@testable import ResultsStore

/// The `metaparameters_json` column: what the store writes, its bulk read gets back.
struct MetaparameterTextTests {
  @Test func roundTripsEveryValueBitForBit() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2_000 {
      var values: [Metaparameter: Double] = [:]
      for name in Metaparameter.allCases where Bool.random(using: &generator) {
        let exponent = Double.random(in: -12...6, using: &generator)
        values[name] = Double.random(in: -1...1, using: &generator) * pow10(exponent)
      }
      #expect(MetaparameterText.decode(MetaparameterText.encode(values)) == values)
    }
  }

  @Test func nonFiniteValuesAreWrittenAsNullAndReadAsNaN() throws {
    let text = MetaparameterText.encode([.learningRate: .infinity, .momentum: 0.9])
    #expect(text == #"{"learning_rate":null,"momentum":0.9}"#)
    let decoded = MetaparameterText.decode(text)
    #expect(try #require(decoded[.learningRate]).isNaN)
    #expect(decoded[.momentum] == 0.9)
  }

  @Test func toleratesSpacesSkipsUnknownNamesAndSurvivesMalformedText() {
    #expect(
      MetaparameterText.decode(#"{ "learning_rate" : 0.5 , "colour": 3, "momentum":1e-3 }"#)
        == [.learningRate: 0.5, .momentum: 0.001])
    #expect(MetaparameterText.decode("{}") == [:])
    #expect(MetaparameterText.decode("") == [:])
    #expect(MetaparameterText.decode(#"{"learning_rate":}"#) == [:])
    #expect(MetaparameterText.decode(#"{"learning_rate":0.1,"momen"#) == [.learningRate: 0.1])
    #expect(MetaparameterText.decode(#"{"momentum":abc}"#) == [:])
  }

  private func pow10(_ exponent: Double) -> Double {
    var result = 1.0
    let whole = Int(exponent)
    for _ in 0..<abs(whole) { result = whole < 0 ? result / 10 : result * 10 }
    return result
  }
}
