import Foundation
import Testing

@testable import CosyLab

@Suite struct VerifiedCacheFileTests {
    let quiet = ProgressReporter(quiet: true)
    let payload = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory
            .appendingPathComponent("cosy-verified-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    func names(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    /// A published entry for `payload` in a fresh folder.
    func published() throws -> (dir: URL, entry: VerifiedCacheFile) {
        let dir = try tempDir()
        let entry = VerifiedCacheFile(dir.appendingPathComponent("a.img"), what: "test: a")
        try entry.publish { try payload.write(to: $0) }
        return (dir, entry)
    }

    @Test func roundTrip() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let entry = VerifiedCacheFile(dir.appendingPathComponent("sub/a.img"), what: "test: a")
        #expect(entry.lookup(progress: quiet) == nil, "nothing built yet")

        var builtAt: URL?
        let out = try entry.publish { tmp in
            builtAt = tmp
            try payload.write(to: tmp)
        }
        #expect(out == entry.url)
        // Built beside the final file, under another name.
        #expect(builtAt?.deletingLastPathComponent() == entry.url.deletingLastPathComponent())
        #expect(builtAt != entry.url)

        #expect(entry.lookup(progress: quiet) == entry.url)
        #expect(try Data(contentsOf: entry.url) == payload)
        let recorded = try String(contentsOf: entry.checksumFile, encoding: .utf8)
        #expect(recorded == (try ContentHash.ofFile(entry.url)) + "\n")
        // No temporary files left behind.
        #expect(try names(entry.url.deletingLastPathComponent()) == ["a.img", "a.img.lock", "a.img.sha256"])

        // Publishing again replaces the entry.
        try entry.publish { try Data("second".utf8).write(to: $0) }
        #expect(entry.lookup(progress: quiet) == entry.url)
        #expect(try Data(contentsOf: entry.url) == Data("second".utf8))
    }

    @Test func aTruncatedFileIsAMissAndRemoved() throws {
        let (dir, entry) = try published()
        defer { try? FileManager.default.removeItem(at: dir) }
        let handle = try FileHandle(forWritingTo: entry.url)
        try handle.truncate(atOffset: UInt64(payload.count / 2))
        try handle.close()

        #expect(entry.lookup(progress: quiet) == nil)
        #expect(!FileManager.default.fileExists(atPath: entry.url.path))
        #expect(!FileManager.default.fileExists(atPath: entry.checksumFile.path))
    }

    @Test func aBitFlipIsAMissAndRemoved() throws {
        let (dir, entry) = try published()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = payload
        bytes[4321] ^= 0x10
        try bytes.write(to: entry.url)
        #expect(try FileManager.default.attributesOfItem(atPath: entry.url.path)[.size] as? Int == payload.count)

        #expect(entry.lookup(progress: quiet) == nil)
        #expect(!FileManager.default.fileExists(atPath: entry.url.path))
        #expect(!FileManager.default.fileExists(atPath: entry.checksumFile.path))
    }

    @Test func aFileWithoutChecksumIsAMissAndRemoved() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let entry = VerifiedCacheFile(dir.appendingPathComponent("a.img"), what: "test: a")
        // What the old cache left: the file alone (or with a `.ok` marker).
        try payload.write(to: entry.url)

        #expect(entry.lookup(progress: quiet) == nil)
        #expect(!FileManager.default.fileExists(atPath: entry.url.path))
    }

    @Test func aChecksumWithoutFileIsAMissAndRemoved() throws {
        let (dir, entry) = try published()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: entry.url)

        #expect(entry.lookup(progress: quiet) == nil)
        #expect(!FileManager.default.fileExists(atPath: entry.checksumFile.path))
    }

    @Test func aFailedBuildPublishesNothing() throws {
        let (dir, entry) = try published()
        defer { try? FileManager.default.removeItem(at: dir) }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try entry.publish { tmp in
                try Data("partial".utf8).write(to: tmp)
                throw Boom()
            }
        }
        // The old entry is intact and the partial file is gone.
        #expect(entry.lookup(progress: quiet) == entry.url)
        #expect(try Data(contentsOf: entry.url) == payload)
        #expect(try names(dir) == ["a.img", "a.img.lock", "a.img.sha256"])
    }
}
