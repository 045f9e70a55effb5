import ArgumentParser
import Foundation

extension Stepwise {
  /// `stepwise init [FILE]`: write a commented starter workload.
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a commented starter workload.",
      discussion: """
        The starter is a small, real study (Simple-CNN on Fashion-MNIST, Nesterov momentum, \
        4 batch sizes x 2 sparsities x 4 trials) with every section explained. An existing \
        file is never overwritten unless --force is given.
        """)

    @Argument(help: "Where to write the workload. (default: workload.yaml)")
    var file: String = "workload.yaml"

    @Flag(help: "Overwrite the file if it exists.")
    var force = false

    func run() throws {
      if !force, FileManager.default.fileExists(atPath: file) {
        throw ValidationError("\(file) already exists; pass --force to overwrite it.")
      }
      guard FileManager.default.createFile(atPath: file, contents: Data(EmbeddedStarter.text.utf8))
      else {
        FileHandle.standardError.write(Data("error: cannot write \(file)\n".utf8))
        throw ExitCode(1)
      }
      print("wrote \(file); check it with: stepwise validate \(file)")
    }
  }
}
