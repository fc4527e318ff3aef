import Foundation

/// The comparison of one workload's configurations: the paper's figures as
/// a table. Times in seconds.
public struct ComparisonTable: Sendable {
    public struct Row: Sendable {
        public var configuration: String
        public var elapsed: Summary
        public var system: Summary
        public var user: Summary
        /// (baseline − this) / baseline × 100, on median elapsed time.
        public var improvementPercent: Double?
        /// baseline / this, on median elapsed time.
        public var speedup: Double?
    }

    public var workload: String
    public var parameters: [String: Int64]
    public var accelerators: [String]
    public var kernels: [String]
    public var runs: [String]
    public var baseline: String
    public var rows: [Row]
}

/// Renders stored results: terminal text, Markdown, HTML with SVG plots.
public enum Report {
    public enum Format: String, CaseIterable, Sendable { case text, markdown, html }

    /// Groups records by workload and parameters; one row per
    /// configuration, the baseline (VAN) first.
    public static func tables(from records: [BenchRecord]) -> [ComparisonTable] {
        let groups = Dictionary(grouping: records, by: \.groupKey)
        return groups.keys.sorted().map { key in
            let rs = groups[key]!
            let order = configurationOrder(rs.map(\.configuration))
            let baseline = order.first!
            func summary(_ config: String, _ f: (BenchRecord) -> Int64) -> Summary {
                Summary(rs.filter { $0.configuration == config }.map { Double(f($0)) / 1e9 })!
            }
            let base = summary(baseline, \.elapsedNanoseconds).median
            let rows = order.map { config -> ComparisonTable.Row in
                let e = summary(config, \.elapsedNanoseconds)
                return ComparisonTable.Row(
                    configuration: config, elapsed: e,
                    system: summary(config, \.systemNanoseconds), user: summary(config, \.userNanoseconds),
                    improvementPercent: config == baseline || base == 0 ? nil : (base - e.median) / base * 100,
                    speedup: config == baseline || e.median == 0 ? nil : base / e.median)
            }
            return ComparisonTable(
                workload: rs[0].workload, parameters: rs[0].parameters,
                accelerators: Array(Set(rs.map(\.accelerator))).sorted(),
                kernels: Array(Set(rs.map(\.kernelRelease))).sorted(),
                runs: Array(Set(rs.map(\.runID))).sorted(), baseline: baseline, rows: rows)
        }
    }

    /// VAN first, then COSY, COSY-FAST, then the rest alphabetically.
    static func configurationOrder(_ names: [String]) -> [String] {
        let known = ["VAN", "COSY", "COSY-FAST", "COSY-FAST-BUF", "IO_URING", "COPY_FILE_RANGE", "NOCACHE", "CACHED"]
        let unique = Array(Set(names))
        return known.filter(unique.contains) + unique.filter { !known.contains($0) }.sorted()
    }

    public static func render(_ tables: [ComparisonTable], format: Format) -> String {
        switch format {
        case .text: tables.map(text).joined(separator: "\n")
        case .markdown: tables.map(markdown).joined(separator: "\n")
        case .html: html(tables)
        }
    }

    static func title(_ t: ComparisonTable) -> String {
        let params = t.parameters.keys.sorted().map { k in
            let v = t.parameters[k]!
            return "\(k) \(k.contains("bytes") || k == "chunk" ? ByteSize.format(Int(v)) : String(v))"
        }.joined(separator: ", ")
        return "\(t.workload)" + (params.isEmpty ? "" : " (\(params))")
            + " — \(t.accelerators.joined(separator: "/")), kernel \(t.kernels.joined(separator: "/")), run \(t.runs.joined(separator: ", "))"
    }

    static let headers = ["config", "n", "elapsed s (median)", "min–max", "system s", "user s", "vs VAN", "speedup"]

    /// Headers, with the baseline's name and, for workloads that count
    /// operations (calls, entries, runs), a ns-per-operation column.
    static func headers(_ t: ComparisonTable) -> [String] {
        var h = headers
        h[6] = "vs \(t.baseline)"
        if t.parameters["operations"] != nil { h.append("ns/op") }
        return h
    }

    static func cells(_ t: ComparisonTable) -> [[String]] {
        t.rows.map { r in
            var row = [r.configuration, String(r.elapsed.count), f(r.elapsed.median),
                       "\(f(r.elapsed.minimum))–\(f(r.elapsed.maximum))", f(r.system.median), f(r.user.median),
                       r.improvementPercent.map { String(format: "%+.1f%%", $0) } ?? "baseline",
                       r.speedup.map { String(format: "%.2f×", $0) } ?? "—"]
            if let ops = t.parameters["operations"], ops > 0 {
                row.append(String(format: "%.0f", r.elapsed.median * 1e9 / Double(ops)))
            }
            return row
        }
    }

    static func f(_ seconds: Double) -> String { String(format: "%.4f", seconds) }

    static func text(_ t: ComparisonTable) -> String {
        let headers = headers(t)
        let rows = [headers] + cells(t)
        let widths = headers.indices.map { i in rows.map { $0[i].count }.max()! }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i == 0 ? c + pad : pad + c
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([title(t), line(headers), rule] + cells(t).map(line)).joined(separator: "\n")
            + "\n(improvement = (\(t.baseline) − config) / \(t.baseline) on median elapsed time; speedup = \(t.baseline) / config)\n"
    }

    static func markdown(_ t: ComparisonTable) -> String {
        let headers = headers(t)
        var out = "### \(title(t))\n\n| " + headers.joined(separator: " | ") + " |\n|"
        out += headers.indices.map { $0 == 0 ? "---" : "---:" }.joined(separator: "|") + "|\n"
        for r in cells(t) { out += "| " + r.joined(separator: " | ") + " |\n" }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Bar chart of median elapsed/system/user per configuration, with the
    /// min–max range of elapsed time as an error bar.
    static func svg(_ t: ComparisonTable) -> String {
        let width = 640.0, barArea = 420.0, rowHeight = 54.0, left = 110.0
        let height = Double(t.rows.count) * rowHeight + 40
        let maxValue = max(t.rows.map { $0.elapsed.maximum }.max() ?? 1, 1e-9)
        func x(_ v: Double) -> Double { left + v / maxValue * barArea }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        for (i, r) in t.rows.enumerated() {
            let y = 10 + Double(i) * rowHeight
            out += "<text x=\"5\" y=\"\(y + 22)\">\(escape(r.configuration))</text>\n"
            let bars: [(String, Double, String)] = [("elapsed", r.elapsed.median, "#4477aa"), ("system", r.system.median, "#cc6677"), ("user", r.user.median, "#ddcc77")]
            for (j, bar) in bars.enumerated() {
                let by = y + Double(j) * 14
                out += "<rect x=\"\(left)\" y=\"\(by)\" width=\"\(String(format: "%.1f", x(bar.1) - left))\" height=\"12\" fill=\"\(bar.2)\"><title>\(bar.0) \(f(bar.1)) s</title></rect>\n"
            }
            out += "<line x1=\"\(String(format: "%.1f", x(r.elapsed.minimum)))\" x2=\"\(String(format: "%.1f", x(r.elapsed.maximum)))\" y1=\"\(y + 6)\" y2=\"\(y + 6)\" stroke=\"black\"/>\n"
            out += "<text x=\"\(String(format: "%.1f", x(r.elapsed.maximum) + 6))\" y=\"\(y + 10)\">\(f(r.elapsed.median)) s\(r.improvementPercent.map { String(format: " (%+.1f%%)", $0) } ?? "")</text>\n"
        }
        out += "<text x=\"\(left)\" y=\"\(height - 8)\" fill=\"#555\">bars: median elapsed (blue), system (red), user (yellow); line: min–max elapsed</text>\n</svg>\n"
        return out
    }

    static func html(_ tables: [ComparisonTable]) -> String {
        var out = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>cosy-lab results</title>
            <style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ccc;text-align:right}td:first-child,th:first-child{text-align:left}</style>
            </head><body><h1>cosy-lab results</h1>

            """
        for t in tables {
            let headers = headers(t)
            out += "<h2>\(escape(title(t)))</h2>\n<table><tr>" + headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
            for r in cells(t) { out += "<tr>" + r.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
            out += "</table>\n" + svg(t)
        }
        return out + "</body></html>\n"
    }

    /// Loads every record under `directory` (a results root or one run).
    public static func loadRecords(_ directory: URL) throws -> [BenchRecord] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            throw LabError("cannot read results in \(directory.path)")
        }
        var records: [BenchRecord] = []
        for case let url as URL in walker
        where url.pathExtension == "json" && url.deletingLastPathComponent().lastPathComponent == "records" {
            do {
                records.append(try JSONDecoder().decode(BenchRecord.self, from: Data(contentsOf: url)))
            } catch {
                throw LabError("cannot read result record \(url.path): \(error)")
            }
        }
        return records
    }

    /// The newest run folder under `root` (run ids sort by time).
    public static func latestRun(in root: URL) throws -> URL {
        let runs = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/run.json").path) }
            .sorted()
        guard let last = runs.last else {
            throw LabError("no benchmark results in \(root.path)", hint: "run `cosy-lab bench` first")
        }
        return root.appendingPathComponent(last)
    }
}
