import Foundation
import Testing
import _CosyLabTestSupport

@testable import CosyLab

/// The debug flavour (KUnit, KASAN, UBSAN, lockdep, kmemleak): the KUnit
/// suite runs at boot, then every cosy kselftest and the DSL examples run
/// in the guest. Any sanitizer or lockdep report in the console fails.
@Suite(.serialized) struct DebugKernelTests {
    static let prepared: Result<(Lab, PreparedGuest), Error> = Result {
        let paths = try LabPaths.discover()
        var options = LabOptions()
        options.flavour = .debug
        options.dataset = DatasetSpec(copyBytes: 4 << 20)
        options.memoryMiB = 2048
        options.timeout = .seconds(900)
        let lab = Lab(paths: paths, options: options, progress: ProgressReporter())
        return (lab, try lab.prepare())
    }

    /// Console lines that mean the kernel found a bug.
    static let reports = [
        "BUG: KASAN", "UBSAN:", "WARNING: possible", "WARNING: suspicious", "BUG: sleeping function",
        "WARNING: CPU:", "BUG: unable to handle", "Oops:", "general protection fault",
        "unreferenced object", "INFO: task", "BUG: workqueue",
    ]

    @Test func kunitSelftestsAndExamplesPassWithoutSanitizerReports() throws {
        let (lab, guest) = try Self.prepared.get()
        let dir = try lab.newRunDirectory("debug")
        let console = dir.appendingPathComponent("console.log")
        let command = """
            s=0; for t in /bin/cosy_*test; do $t || s=1; done; cosy-examples /data/copy/src || s=1; \
            mount -t debugfs none /sys/kernel/debug && echo scan > /sys/kernel/debug/kmemleak && \
            sleep 6 && echo scan > /sys/kernel/debug/kmemleak && cat /sys/kernel/debug/kmemleak; exit $s
            """
        let outcome = try withExclusiveVM { try lab.boot(guest, command: command, consoleLog: console) { _ in } }
        if let failure = Lab.failure(outcome, consoleLog: console) { throw failure }
        let text = try String(contentsOf: console, encoding: .utf8)
        #expect(outcome.exitStatus == 0, "a selftest or example failed; see \(console.path)")

        // KTAP from the built-in KUnit suite, in kernel lines ("[   9.28] ok 1 cosy").
        let kernelLines = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            guard let r = line.range(of: #"^\[\s*[0-9.]+\]\s?"#, options: .regularExpression) else { return nil }
            return String(line[r.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let suiteResults = kernelLines.filter { $0.range(of: #"^(not )?ok \d+ cosy$"#, options: .regularExpression) != nil }
        #expect(suiteResults == [suiteResults.first ?? "missing"] && suiteResults.first?.hasPrefix("ok") == true,
                "KUnit result of the cosy suite: \(suiteResults); see \(console.path)")
        let summary = kernelLines.first { $0.hasPrefix("# cosy: pass:") }
        #expect(summary?.contains(" fail:0 ") == true, "KUnit summary: \(summary ?? "missing"); see \(console.path)")
        for report in Self.reports {
            #expect(!text.contains(report), "the kernel reported '\(report)'; see \(console.path)")
        }
    }
}
