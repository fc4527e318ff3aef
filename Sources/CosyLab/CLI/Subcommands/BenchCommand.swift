import Foundation

/// `cosy-lab bench`: the VAN/COSY matrix in a VM.
enum BenchCommand: Subcommand {
    static let spec = CommandSpec(
        name: "bench", abstract: "Run the benchmark matrix (VAN, COSY, ...) in a VM and store the results.",
        discussion: """
            Builds what is missing, boots one VM and runs every configuration of each
            workload, interleaved, for --reps repetitions. Each run is verified (identical
            output in every configuration) and stored as one JSON record under
            <results>/<run id>/records/, with run.json and the console log.
            Workloads: \(Workload.all.map(\.name).joined(separator: ", ")).
            """,
        options: CommonOptions.kernel + CommonOptions.vm + [
            OptionSpec("workload", short: "w", value: "name", help: "Workloads, comma-separated (default: copy)."),
            OptionSpec("reps", short: "r", value: "n", help: "Repetitions of each configuration (default: 5)."),
            OptionSpec("copy-size", value: "bytes", help: "Size of the file the copy workload copies (default: 64M)."),
            OptionSpec("results", value: "dir", help: "Results folder (default: ./results)."),
            OptionSpec("report", help: "Print the report table when done."),
        ])

    static func run(_ o: ParsedOptions, paths: () throws -> LabPaths) throws -> Int32 {
        var options = try CommonOptions.labOptions(o, usage: spec.usageLine)
        options.dataset.copyBytes = try o.byteSize("copy-size", default: options.dataset.copyBytes, usage: spec.usageLine)
        let reps = try o.integer("reps", default: 5, in: 1...1000, usage: spec.usageLine)
        var workloads: [Workload] = []
        for name in (o.value("workload") ?? "copy").split(separator: ",") {
            guard let w = Workload.named(String(name)) else {
                throw UsageError(message: "unknown workload '\(name)' (available: \(Workload.all.map(\.name).joined(separator: ", ")))", usage: spec.usageLine)
            }
            workloads.append(w)
        }
        let results = URL(fileURLWithPath: o.value("results") ?? "results")
        let lab = Lab(paths: try paths(), options: options, progress: ProgressReporter())
        let outcome = try BenchRunner(lab: lab, workloads: workloads, repetitions: reps, resultsRoot: results).run()
        print(outcome.runDirectory.path)
        if o.flag("report") {
            print(Report.render(Report.tables(from: outcome.records), format: .text))
        }
        return 0
    }
}
