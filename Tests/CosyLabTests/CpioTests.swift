import Foundation
import Testing
import _CosyLabTestSupport

@testable import CosyLab

@Suite struct CpioTests {
    func sampleArchive(hostFile: URL) throws -> CpioArchive {
        var a = CpioArchive()
        a.addDirectory("/proc")
        a.addFile("init", text: "#!/bin/sh\necho hi\n", mode: 0o755)
        a.addFile("etc/deep/dir/conf", text: "x=1\n") // parents added automatically
        a.addSymlink("bin/sh", target: "busybox")
        try a.addFile("bin/busybox", from: hostFile, mode: 0o755)
        a.addFile("empty", contents: [])
        return a
    }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory
            .appendingPathComponent("cosy-cpio-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @discardableResult
    func run(_ args: [String], in dir: URL, stdin: URL? = nil) throws -> String {
        let (status, text) = try runTool(args, in: dir, stdin: stdin)
        #expect(status == 0, "\(args.joined(separator: " ")): \(text)")
        return text
    }

    @Test func headerLayoutIsNewcAndDeterministic() throws {
        var a = CpioArchive()
        a.addFile("a", text: "hello", mode: 0o644)
        let bytes = try a.encoded()
        // 110-byte header + name "a\0" = 112 (aligned); 5 data bytes padded to 120.
        let header = String(decoding: bytes[0..<110], as: UTF8.self)
        #expect(header == "070701" + "00000001" + "000081A4" + "00000000" + "00000000"
            + "00000001" + "00000000" + "00000005" + "00000000" + "00000000"
            + "00000000" + "00000000" + "00000002" + "00000000")
        #expect(Array(bytes[110..<112]) == [UInt8(ascii: "a"), 0])
        #expect(String(decoding: bytes[112..<117], as: UTF8.self) == "hello")
        #expect(Array(bytes[117..<120]) == [0, 0, 0])
        #expect(bytes.count % 4 == 0)
        let trailer = String(decoding: bytes[(120 + 110)..<(120 + 110 + 10)], as: UTF8.self)
        #expect(trailer == "TRAILER!!!")
        #expect(try a.encoded() == bytes)
    }

    @Test func parentsFirstAndReplaceInPlace() {
        var a = CpioArchive()
        a.addFile("/x/y/z", text: "1")
        a.addSymlink("x/link", target: "y/z")
        a.addFile("x/y/z", text: "2", mode: 0o600)
        #expect(a.entries.map(\.path) == ["x", "x/y", "x/y/z", "x/link"])
        #expect(a.entries[2] == .file(path: "x/y/z", mode: 0o600, contents: .bytes(Array("2".utf8))))
    }

    @Test func gnuCpioListsAndExtractsIt() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let host = dir.appendingPathComponent("host-bin")
        let payload = (0..<5001).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(payload).write(to: host)
        let archive = dir.appendingPathComponent("out.cpio")
        try sampleArchive(hostFile: host).write(to: archive)

        let listing = try run(["cpio", "-t", "--quiet"], in: dir, stdin: archive)
        #expect(listing.split(separator: "\n").map(String.init)
            == ["proc", "init", "etc", "etc/deep", "etc/deep/dir", "etc/deep/dir/conf",
                "bin", "bin/sh", "bin/busybox", "empty"])

        let verbose = try run(["cpio", "-tv", "--quiet"], in: dir, stdin: archive)
        #expect(verbose.contains("lrwxrwxrwx"))
        #expect(verbose.contains("bin/sh -> busybox"))
        #expect(verbose.contains("-rwxr-xr-x   1 root     root         5001 Jan  1  1970 bin/busybox"))

        let root = dir.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try run(["cpio", "-id", "--quiet"], in: root, stdin: archive)
        #expect(try Data(contentsOf: root.appendingPathComponent("bin/busybox")) == Data(payload))
        #expect(try String(contentsOf: root.appendingPathComponent("init"), encoding: .utf8)
            == "#!/bin/sh\necho hi\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(
            atPath: root.appendingPathComponent("bin/sh").path) == "busybox")
        let attrs = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("init").path)
        #expect((attrs[.posixPermissions] as? Int) == 0o755)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("proc").path))
        #expect((try Data(contentsOf: root.appendingPathComponent("empty"))).isEmpty)

        // Same input, same bytes.
        let again = dir.appendingPathComponent("again.cpio")
        try sampleArchive(hostFile: host).write(to: again)
        #expect(try Data(contentsOf: again) == Data(contentsOf: archive))
    }

    @Test func characterDeviceHeader() throws {
        var a = CpioArchive()
        a.addCharacterDevice("dev/console", major: 5, minor: 1)
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let archive = dir.appendingPathComponent("dev.cpio")
        try a.write(to: archive)
        let verbose = try run(["cpio", "-tv", "--quiet"], in: dir, stdin: archive)
        #expect(verbose.contains("crw-------"))
        #expect(verbose.contains("5,   1") || verbose.contains("5, 1"))
    }
}
