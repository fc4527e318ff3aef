import Foundation
import Testing

/// One source of truth: the uapi header Swift imports must be the very one
/// the kernel patch series adds.
@Suite struct UAPIHeaderTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The file `include/uapi/linux/cosy.h` as created by the patch series.
    static func headerFromPatches() throws -> String? {
        let dir = root.appendingPathComponent("kernel-patches")
        let series = try String(contentsOf: dir.appendingPathComponent("series"), encoding: .utf8)
        for name in series.split(separator: "\n") where !name.hasPrefix("#") {
            let patch = try String(
                contentsOf: dir.appendingPathComponent(String(name)), encoding: .utf8)
            guard let start = patch.range(of: "+++ b/include/uapi/linux/cosy.h\n") else { continue }
            var lines: [Substring] = []
            for line in patch[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("@@") { continue }
                guard line.hasPrefix("+") else { break }
                lines.append(line.dropFirst())
            }
            return lines.joined(separator: "\n") + "\n"
        }
        return nil
    }

    @Test func swiftCopyIsIdenticalToThePatch() throws {
        let swiftCopy = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/CCosy/include/linux/cosy.h"),
            encoding: .utf8)
        let fromPatch = try #require(
            try Self.headerFromPatches(),
            "no patch in kernel-patches/series creates include/uapi/linux/cosy.h")
        #expect(fromPatch == swiftCopy)
    }
}
