import CCrypto
import Foundation

/// SHA-256 over a sequence of labelled inputs: the cache key of an
/// artefact. Each input is framed with its label and length, so moving
/// bytes from one input to the next changes the key.
public struct ContentHash {
    private var context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    public mutating func add(_ label: String, _ bytes: some DataProtocol) {
        frame(label, count: bytes.count)
        for region in bytes.regions {
            region.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
    }

    public mutating func add(_ label: String, string: String) {
        add(label, Data(string.utf8))
    }

    /// Adds a file's contents, streamed in 1 MiB pieces.
    public mutating func add(_ label: String, file url: URL) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw LabError("cannot read \(url.path)")
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        frame(label, count: size)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
    }

    private mutating func frame(_ label: String, count: Int) {
        let header = "\(label)\u{0}\(count)\u{0}"
        _ = header.utf8CString.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
    }

    /// The hex digest; the hash cannot be used afterwards.
    public consuming func finish() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        EVP_MD_CTX_free(context)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of one file.
    public static func ofFile(_ url: URL) throws -> String {
        var h = ContentHash()
        try h.add("file", file: url)
        return h.finish()
    }
}
