import ArgumentParser
import Foundation
import ResultsStore

extension Stepwise {
  /// `stepwise status`: where a study stands, per cell.
  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a study's progress: trial counts by state and steps-to-result per cell.",
      discussion: """
        Reads the store without writing to it, so it is safe beside a running `stepwise run`. \
        With --json, prints one JSON document whose fields are documented in docs/running.md.

        Exit status: 0 on success, 1 when the store or the study cannot be read.
        """)

    @Option(help: "The results store (SQLite). Defaults to stepwise.sqlite in this directory.")
    var store: String = "stepwise.sqlite"

    @Option(help: "The study (workload name). Defaults to the most recently registered one.")
    var study: String?

    @Flag(help: "Print the status as JSON on standard output.")
    var json = false

    func run() throws {
      do {
        FileHandle.standardOutput.write(Data(try render().utf8))
      } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
      }
    }

    /// The output, for tests.
    func render() throws -> String {
      guard FileManager.default.fileExists(atPath: store) else {
        throw StatusError("no results store at \(store); `stepwise run` creates it")
      }
      let opened = try ResultsStore(path: store, options: StoreOptions(readOnly: true))
      let studies = try opened.studies()
      let chosen: StudyListing
      if let study {
        guard let found = studies.first(where: { $0.name == study }) else {
          let names = studies.map(\.name).joined(separator: ", ")
          throw StatusError(
            "no study '\(study)' in \(store)" + (names.isEmpty ? "" : "; it has: \(names)"))
        }
        chosen = found
      } else {
        guard let latest = studies.first else {
          throw StatusError("\(store) has no study yet")
        }
        chosen = latest
      }
      let table = StepsTable(try opened.readStudy(chosen.id), workload: chosen.workload)
      let view = StatusView(store: store, study: chosen, table: table)
      return json ? try view.json() : view.human()
    }
  }
}

struct StatusError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
