import Foundation

/// `cosy-lab report`: tables and plots from stored results.
enum ReportCommand: Subcommand {
    static let spec = CommandSpec(
        name: "report", abstract: "Render result tables (text, Markdown, HTML with SVG plots).",
        discussion: """
            Reads the records of one benchmark run (default: the newest in ./results) and
            prints, per workload, median elapsed/system/user time over the repetitions,
            the min–max spread, and the improvement over VAN.
            """,
        options: [
            OptionSpec("results", value: "dir", help: "Results folder (default: ./results)."),
            OptionSpec("run", value: "id", help: "Run id, 'latest' or 'all' (default: latest)."),
            OptionSpec("format", short: "f", value: "name", help: "Output format (default: text).",
                       choices: Report.Format.allCases.map(\.rawValue)),
            OptionSpec("output", short: "o", value: "file", help: "Write to this file instead of stdout."),
        ])

    static func run(_ o: ParsedOptions, paths: () throws -> LabPaths) throws -> Int32 {
        let root = URL(fileURLWithPath: o.value("results") ?? "results")
        let format = Report.Format(rawValue: o.value("format") ?? "text")!
        let source: URL
        switch o.value("run") ?? "latest" {
        case "latest": source = try Report.latestRun(in: root)
        case "all": source = root
        case let id:
            source = root.appendingPathComponent(id)
            guard FileManager.default.fileExists(atPath: source.path) else {
                throw LabError("no run '\(id)' in \(root.path)", hint: "list the runs with `ls \(root.path)`")
            }
        }
        let records = try Report.loadRecords(source)
        guard !records.isEmpty else {
            throw LabError("no result records in \(source.path)", hint: "did the benchmark run finish? see its console.log")
        }
        let rendered = Report.render(Report.tables(from: records), format: format)
        if let out = o.value("output") {
            try rendered.write(toFile: out, atomically: true, encoding: .utf8)
            printError("report written to \(out)")
        } else {
            print(rendered, terminator: "")
        }
        return 0
    }
}
