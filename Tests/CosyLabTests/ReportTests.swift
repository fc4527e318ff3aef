import Foundation
import Testing

@testable import CosyLab
import GuestKit
import _CosyLabTestSupport

@Suite struct ReportTests {
    static func record(_ config: String, _ rep: Int, elapsedMs: Int64, sysMs: Int64 = 0, userMs: Int64 = 0,
                       checksum: String = "abc", verified: Bool = true) -> BenchRecord {
        var r = BenchRecord(workload: "copy", configuration: config, repetition: rep,
                            elapsedNanoseconds: elapsedMs * 1_000_000, userNanoseconds: userMs * 1_000_000,
                            systemNanoseconds: sysMs * 1_000_000, parameters: ["bytes": 64 << 20, "chunk": 4096],
                            outputChecksum: checksum, verified: verified)
        r.accelerator = "tcg"
        r.kernelRelease = "6.12.118"
        r.runID = "20261204-000000"
        return r
    }

    static let records = [
        record("COSY", 1, elapsedMs: 600, sysMs: 500), record("VAN", 1, elapsedMs: 1000, sysMs: 800, userMs: 100),
        record("VAN", 2, elapsedMs: 1200, sysMs: 900, userMs: 100), record("COSY", 2, elapsedMs: 500, sysMs: 450),
        record("VAN", 3, elapsedMs: 1100, sysMs: 850, userMs: 100), record("COSY", 3, elapsedMs: 550, sysMs: 470),
    ]

    @Test func mediansSpreadAndImprovement() throws {
        let tables = Report.tables(from: Self.records)
        #expect(tables.count == 1)
        let t = tables[0]
        #expect(t.rows.map(\.configuration) == ["VAN", "COSY"])
        #expect(t.rows[0].elapsed.median == 1.1)
        #expect(t.rows[0].elapsed.minimum == 1.0)
        #expect(t.rows[0].elapsed.maximum == 1.2)
        #expect(t.rows[1].elapsed.median == 0.55)
        let improvement = try #require(t.rows[1].improvementPercent)
        #expect(abs(improvement - 50) < 1e-9)
        #expect(abs(try #require(t.rows[1].speedup) - 2) < 1e-9)
        #expect(t.rows[0].improvementPercent == nil)
    }

    @Test func textTable() {
        let text = Report.render(Report.tables(from: Self.records), format: .text)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "copy (bytes 64M, chunk 4K) — tcg, kernel 6.12.118, run 20261204-000000")
        #expect(lines[1].hasPrefix("config  n  elapsed s (median)"))
        #expect(lines[3] == "VAN     3              1.1000  1.0000–1.2000    0.8500  0.1000  baseline        —")
        #expect(lines[4] == "COSY    3              0.5500  0.5000–0.6000    0.4700  0.0000    +50.0%    2.00×")
    }

    @Test func markdownAndHTML() {
        let tables = Report.tables(from: Self.records)
        let md = Report.render(tables, format: .markdown)
        #expect(md.contains("| COSY | 3 | 0.5500 | 0.5000–0.6000 | 0.4700 | 0.0000 | +50.0% | 2.00× |"))
        #expect(md.contains("|---|---:|"))
        let html = Report.render(tables, format: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(html.contains("<td>COSY</td>"))
        #expect(html.contains("+50.0%"))
    }

    @Test func guestResultLinesParse() throws {
        let line = #"COSY-RESULT {"workload":"copy","configuration":"COSY","repetition":2,"elapsed_ns":5,"user_ns":1,"system_ns":3,"parameters":{"bytes":4096,"chunk":4096},"output_checksum":"00ff","verified":true}"#
        let r = try #require(try BenchRecord.parse(consoleLine: line))
        #expect(r.configuration == "COSY")
        #expect(r.parameters == ["bytes": 4096, "chunk": 4096])
        #expect(try BenchRecord.parse(consoleLine: "[    1.0] random kernel line") == nil)
        #expect(throws: LabError.self) { try BenchRecord.parse(consoleLine: "COSY-RESULT {broken") }
    }

    @Test func theGuestsLineCarriesItsClocksourceToTheHost() throws {
        let m = GuestKit.Measurement(elapsedNanoseconds: 7, userNanoseconds: 1, systemNanoseconds: 2)
        func line(_ clock: String?) -> String {
            ResultRecord(workload: "copy", configuration: "VAN", repetition: 1, measurement: m,
                         parameters: [("bytes", 8)], outputChecksum: "ab", verified: true, clocksource: clock).line
        }
        let tsc = try #require(try BenchRecord.parse(consoleLine: line("tsc")))
        #expect(tsc.clocksource == "tsc" && !tsc.hasCoarseClock)
        #expect(tsc.elapsedNanoseconds == 7 && tsc.parameters == ["bytes": 8])
        let jiffies = try #require(try BenchRecord.parse(consoleLine: line("refined-jiffies")))
        #expect(jiffies.hasCoarseClock)
        let unknown = try #require(try BenchRecord.parse(consoleLine: line(nil)))
        #expect(unknown.clocksource == "" && !unknown.hasCoarseClock)
    }

    @Test func benchRefusesTimesFromATickResolutionClock() {
        var records = Self.records
        records[2].clocksource = "jiffies"
        let problems = BenchRunner.check(records, workloads: [Self.twoWay], repetitions: 3)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("1 of 6 records were timed after the guest fell back to the jiffies clocksource") == true)
    }

    @Test func aGuestOnAJiffiesClockStopsBeforeMeasuring() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cosy-clock-\(getpid())")
        defer { try? FileManager.default.removeItem(at: file) }
        let script = BenchRunner.clockCheck(reading: file.path) + "echo measured"
        for (clock, coarse) in [("refined-jiffies", true), ("jiffies", true), ("tsc", false), ("kvm-clock", false)] {
            try Data("\(clock)\n".utf8).write(to: file)
            let (status, output) = try runTool(["/bin/busybox", "sh", "-c", script])
            let detector = CoarseClockDetector()
            for line in output.split(separator: "\n") { _ = detector.accept(String(line)) }
            if coarse {
                #expect(status == BenchRunner.coarseClockStatus, "\(clock): \(output)")
                #expect(detector.clocksource == clock && !output.contains("measured"))
            } else {
                #expect(status == 0 && output == "measured\n", "\(clock): \(output)")
                #expect(detector.clocksource == nil)
            }
        }
    }

    static let twoWay = Workload(name: "copy", configurations: ["VAN", "COSY"], guestCommand: { _, _ in "" })

    @Test func benchChecksFindMissingMismatchedAndUnverifiedRuns() {
        #expect(BenchRunner.check(Self.records, workloads: [Self.twoWay], repetitions: 3).isEmpty)
        let bad = Self.records.dropLast() + [Self.record("COSY", 3, elapsedMs: 1, checksum: "zzz", verified: false)]
        let problems = BenchRunner.check(Array(bad), workloads: [Self.twoWay], repetitions: 3)
        #expect(problems.contains { $0.contains("verification failed") })
        #expect(problems.contains { $0.contains("different output") })
        let missing = BenchRunner.check(Array(Self.records.prefix(4)), workloads: [Self.twoWay], repetitions: 3)
        #expect(missing.contains("copy/VAN: 2 of 3 repetitions reported"))
    }

    @Test func recordsAreStoredAsTheyArrive() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cosy-sink-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("records"), withIntermediateDirectories: true)
        let sink = RecordSink(directory: dir.appendingPathComponent("records")) { var r = $0; r.accelerator = "tcg"; return r }
        #expect(sink.accept(Self.records[0].consoleLine))
        #expect(!sink.accept("ordinary output"))
        let stored = try Report.loadRecords(dir)
        #expect(stored.count == 1)
        #expect(stored[0].accelerator == "tcg")
    }
}

extension BenchRecord {
    /// The line a guest program would print for this record.
    var consoleLine: String {
        let e = JSONEncoder()
        return BenchRecord.marker + String(decoding: try! e.encode(self), as: UTF8.self)
    }
}

@Suite struct ReportOperationsTests {
    @Test func nanosecondsPerOperationColumn() {
        var a = BenchRecord(workload: "getppid", configuration: "VAN", repetition: 1, elapsedNanoseconds: 2_000_000,
                            userNanoseconds: 0, systemNanoseconds: 0, parameters: ["calls": 1000, "operations": 1000])
        var b = a
        b.configuration = "COSY"
        b.elapsedNanoseconds = 500_000
        a.kernelRelease = "k"; b.kernelRelease = "k"
        let text = Report.render(Report.tables(from: [a, b]), format: .text)
        #expect(text.contains("ns/op"))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("VAN") && $0.hasSuffix("2000") })
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("COSY") && $0.hasSuffix("500") })
    }
}
