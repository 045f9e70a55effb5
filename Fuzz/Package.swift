// swift-tools-version: 6.0
// libFuzzer target for the workload front end (YAML loader + checker + renderers).
// Build and run with scripts/fuzz.sh; it needs `swift build -c release --sanitize=fuzzer`.
import PackageDescription

let package = Package(
  name: "StepwiseFuzz",
  platforms: [.macOS(.v14)],
  dependencies: [.package(name: "Stepwise", path: "..")],
  targets: [
    .executableTarget(
      name: "FuzzWorkloadLoading",
      dependencies: [.product(name: "StepwiseFrontEnd", package: "Stepwise")],
      swiftSettings: [.unsafeFlags(["-parse-as-library"])])
  ]
)
