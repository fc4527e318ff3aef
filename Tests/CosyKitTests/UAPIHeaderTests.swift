import Foundation
import Testing

/// One source of truth: the uapi header Swift imports must be the very one
/// the kernel patch series leaves in include/uapi/linux/cosy.h.
@Suite struct UAPIHeaderTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The sections of a patch that change `path`.
    static func sections(of patch: String, touching path: String) -> [String] {
        var result: [String] = []
        var current: [Substring]? = nil
        for line in patch.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("diff --git ") {
                if let c = current { result.append(c.joined(separator: "\n") + "\n") }
                current = line == "diff --git a/\(path) b/\(path)" ? [line] : nil
            } else if line == "-- " {  // format-patch signature
                if let c = current { result.append(c.joined(separator: "\n") + "\n") }
                current = nil
            } else {
                current?.append(line)
            }
        }
        if let c = current { result.append(c.joined(separator: "\n") + "\n") }
        return result
    }

    /// Replays every change the series makes to `path` with patch(1).
    static func fileAfterSeries(_ path: String) throws -> String? {
        let dir = root.appendingPathComponent("kernel-patches")
        let series = try String(contentsOf: dir.appendingPathComponent("series"), encoding: .utf8)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("uapi-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        var touched = false
        for name in series.split(separator: "\n") where !name.hasPrefix("#") && !name.isEmpty {
            let patch = try String(contentsOf: dir.appendingPathComponent(String(name)), encoding: .utf8)
            for section in sections(of: patch, touching: path) {
                let file = work.appendingPathComponent("section.patch")
                try section.write(to: file, atomically: true, encoding: .utf8)
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/patch")
                p.arguments = ["-p1", "--batch", "--silent", "-d", work.path, "-i", file.path]
                try p.run()
                p.waitUntilExit()
                #expect(p.terminationStatus == 0, "\(name) does not apply to \(path)")
                touched = true
            }
        }
        guard touched else { return nil }
        return try String(contentsOf: work.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func swiftCopyIsIdenticalToTheSeries() throws {
        let swiftCopy = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/CCosy/include/linux/cosy.h"),
            encoding: .utf8)
        let fromSeries = try #require(
            try Self.fileAfterSeries("include/uapi/linux/cosy.h"),
            "no patch in kernel-patches/series creates include/uapi/linux/cosy.h")
        #expect(fromSeries == swiftCopy)
    }

    /// The KUnit suite's golden vectors are the ones the Swift tests use.
    @Test func kunitGoldenVectorsAreTheSharedOnes() throws {
        let shared = try String(
            contentsOf: Self.root.appendingPathComponent("Tests/Golden/cosy_golden.h"), encoding: .utf8)
        let fromSeries = try #require(
            try Self.fileAfterSeries("kernel/cosy/cosy_golden.h"),
            "no patch in kernel-patches/series adds kernel/cosy/cosy_golden.h")
        #expect(fromSeries == shared)
    }
}
