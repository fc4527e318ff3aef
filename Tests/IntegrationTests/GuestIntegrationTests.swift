import Foundation
import Testing
import _CosyLabTestSupport

@testable import CosyLab

/// Builds the patched kernel and the images, boots them under QEMU through
/// libvirt and runs the selftests in the guest. Needs the packages that
/// ci/bootstrap installs; a missing one fails the test with its name.
@Suite(.serialized) struct GuestIntegrationTests {
    /// One prepared guest (kernel, images, accelerator) for all tests.
    static let prepared: Result<(Lab, PreparedGuest), Error> = Result {
        let paths = try LabPaths.discover()
        var options = LabOptions()
        options.dataset = DatasetSpec(copyBytes: 4 << 20)
        options.timeout = .seconds(240)
        let lab = Lab(paths: paths, options: options, progress: ProgressReporter())
        return (lab, try lab.prepare())
    }

    struct Boot {
        var outcome: VMOutcome
        var output: [String]
        var console: URL
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var inCommand = false
        private var collected: [String] = []
        func add(_ line: String) {
            lock.withLock {
                if ConsoleScanner.isBegin(line) { inCommand = true }
                else if ConsoleScanner.parseExit(line) != nil { inCommand = false }
                else if inCommand { collected.append(line) }
            }
        }
        var lines: [String] { lock.withLock { collected } }
    }

    func boot(_ command: String, _ label: String) throws -> Boot {
        let (lab, guest) = try Self.prepared.get()
        let dir = try lab.newRunDirectory(label)
        let console = dir.appendingPathComponent("console.log")
        let lines = Lines()
        let outcome = try withExclusiveVM { try lab.boot(guest, command: command, consoleLog: console) { lines.add($0) } }
        if let failure = Lab.failure(outcome, consoleLog: console) { throw failure }
        return Boot(outcome: outcome, output: lines.lines, console: console)
    }

    @Test func unameReportsThePatchedKernel() throws {
        let (_, guest) = try Self.prepared.get()
        let boot = try boot("uname -r", "uname")
        #expect(boot.outcome.exitStatus == 0)
        #expect(boot.output.contains(guest.kernel.release), "guest said \(boot.output)")
        #expect(guest.kernel.release.hasPrefix("6.12"))
    }

    @Test func guestExitStatusIsPassedOut() throws {
        let boot = try boot("echo out; exit 7", "status")
        #expect(boot.outcome.exitStatus == 7)
        #expect(boot.output == ["out"])
    }

    /// The kselftest of the three syscalls (TAP), including every bad-input
    /// case; the guest must still be alive afterwards.
    @Test func cosySelftestPassesInTheGuest() throws {
        let boot = try boot("cosy_test; s=$?; echo guest-alive; exit $s", "selftest")
        let tap = boot.output.joined(separator: "\n")
        #expect(boot.outcome.exitStatus == 0, "cosy_test failed:\n\(tap)")
        #expect(boot.output.contains("guest-alive"))
        #expect(!boot.output.contains { $0.hasPrefix("not ok") }, "\(tap)")
        let plan = boot.output.first { $0.hasPrefix("1..") }
        #expect(plan != nil, "no TAP plan in:\n\(tap)")
        #expect(boot.output.contains { $0.contains("# PASSED") || $0.hasPrefix("# Totals") }, "\(tap)")
        let console = try String(contentsOf: boot.console, encoding: .utf8)
        for bad in ["BUG:", "Oops", "WARNING:", "general protection fault", "KASAN", "UBSAN"] {
            #expect(!console.contains(bad), "kernel reported \(bad); see \(boot.console.path)")
        }
    }

    @Test func copyInBothConfigurationsIsIdentical() throws {
        let boot = try boot("cosy-copy --config van,cosy /data/copy/src /data/copy/dst", "copy")
        #expect(boot.outcome.exitStatus == 0, "\(boot.output)")
        #expect(boot.output.filter { $0.contains("identical") }.count == 2, "\(boot.output)")
    }

    /// The documented DSL examples (docs/dsl.md), compiled into the guest.
    @Test func dslExamplesRunInTheGuest() throws {
        let boot = try boot("cosy-examples /data/copy/src", "examples")
        let tap = boot.output.joined(separator: "\n")
        #expect(boot.outcome.exitStatus == 0, "\(tap)")
        #expect(boot.output.contains("1..6"), "\(tap)")
        #expect(!boot.output.contains { $0.hasPrefix("not ok") }, "\(tap)")
    }
}
