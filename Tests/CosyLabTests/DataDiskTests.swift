import Foundation
import Testing
import _CosyLabTestSupport

@testable import CosyLab

@Suite(.timeLimit(.minutes(10))) struct DataDiskTests {
    func shell(_ args: [String]) throws -> (status: Int32, output: String) {
        try runTool(args)
    }

    @Test func buildsExt4WithFilesAndReadsThemBack() throws {
        let dir = URL(fileURLWithPath: "/tmp/cosy-datadisk-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.txt")
        try "alpha\n".write(to: a, atomically: true, encoding: .utf8)
        let b = dir.appendingPathComponent("tool")
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(payload).write(to: b)
        chmod(b.path, 0o755)

        let image = dir.appendingPathComponent("data.img")
        // The libguestfs appliance is a TCG guest too: take the VM lock.
        try withExclusiveVM {
            let start = ContinuousClock.now
            try DataDisk.build(at: image, sizeMiB: 64,
                               files: [(guestPath: "/a.txt", hostFile: a),
                                       (guestPath: "/bench/bin/tool", hostFile: b)],
                               label: "cosy-data")
            print("DataDisk.build (TCG appliance): \(ContinuousClock.now - start)")
        }

        // Atomic write: only the final image is left in the directory.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["a.txt", "data.img", "tool"])
        let size = try FileManager.default.attributesOfItem(atPath: image.path)[.size] as? Int
        #expect(size == 64 << 20)

        // Read back without libguestfs or a mount: e2fsprogs.
        let cat = try shell(["debugfs", "-R", "cat /a.txt", image.path])
        #expect(cat.output.hasSuffix("alpha\n"), "\(cat.output)")
        let stat = try shell(["debugfs", "-R", "stat /bench/bin/tool", image.path])
        #expect(stat.output.contains("Mode:  0755"), "\(stat.output)")
        #expect(stat.output.contains("Size: 300000"), "\(stat.output)")
        let label = try shell(["e2label", image.path])
        #expect(label.output.trimmingCharacters(in: .whitespacesAndNewlines) == "cosy-data")
        let fsck = try shell(["e2fsck", "-fn", image.path])
        #expect(fsck.status == 0, "\(fsck.output)")

        // And through libguestfs, the way results are read back.
        let back = dir.appendingPathComponent("tool.back")
        try withExclusiveVM {
            let t1 = ContinuousClock.now
            try DataDisk.download(from: image, files: [(guestPath: "/bench/bin/tool", hostFile: back)])
            print("DataDisk.download (TCG appliance): \(ContinuousClock.now - t1)")
        }
        #expect(try Data(contentsOf: back) == Data(payload))
    }

    @Test func rejectsBadArgumentsBeforeLaunching() throws {
        let image = URL(fileURLWithPath: "/tmp/cosy-datadisk-bad-\(getpid()).img")
        #expect(throws: LabError.self) {
            try DataDisk.build(at: image, sizeMiB: 8, files: [], label: "a-label-longer-than-16")
        }
        #expect(throws: LabError.self) {
            try DataDisk.build(at: image, sizeMiB: 8,
                               files: [(guestPath: "relative", hostFile: URL(fileURLWithPath: "/etc/hostname"))],
                               label: "x")
        }
        #expect(throws: LabError.self) {
            try DataDisk.build(at: image, sizeMiB: 8,
                               files: [(guestPath: "/x", hostFile: URL(fileURLWithPath: "/nonexistent"))],
                               label: "x")
        }
        #expect(!FileManager.default.fileExists(atPath: image.path))
    }
}
