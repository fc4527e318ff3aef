// An initramfs writer: the "newc" (SVR4, no CRC) cpio format the kernel
// unpacks at boot (Documentation/driver-api/early-userspace/buffer-format.rst).
//
// Output is deterministic: entries keep the order they were added in, every
// mtime is 0, uid and gid are 0, inode numbers count up from 1 in entry order.

import Foundation

/// An in-memory description of a cpio "newc" archive, written in one pass.
///
/// Paths are archive-relative ("bin/busybox"); a leading "/" is dropped.
/// Adding an entry adds any missing parent directories first (mode 0755), so
/// the kernel never meets a file whose directory does not exist yet. Adding a
/// path twice replaces the first entry in place.
public struct CpioArchive: Sendable {
    /// Where a regular file's bytes come from.
    public enum Contents: Sendable, Equatable {
        case bytes([UInt8])
        /// Read when the archive is written (keeps big binaries out of memory).
        case hostFile(URL)
    }

    /// One archive member.
    public enum Entry: Sendable, Equatable {
        case directory(path: String, mode: UInt32)
        case file(path: String, mode: UInt32, contents: Contents)
        case symlink(path: String, target: String)
        case characterDevice(path: String, mode: UInt32, major: UInt32, minor: UInt32)

        public var path: String {
            switch self {
            case .directory(let p, _), .file(let p, _, _), .symlink(let p, _),
                 .characterDevice(let p, _, _, _):
                return p
            }
        }
    }

    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Adds a directory (`S_IFDIR`).
    public mutating func addDirectory(_ path: String, mode: UInt32 = 0o755) {
        put(.directory(path: Self.normalize(path), mode: mode & 0o7777))
    }

    /// Adds a regular file (`S_IFREG`) with the given bytes.
    public mutating func addFile(_ path: String, contents: [UInt8], mode: UInt32 = 0o644) {
        put(.file(path: Self.normalize(path), mode: mode & 0o7777, contents: .bytes(contents)))
    }

    /// Adds a regular file holding a UTF-8 string (an init script, a config file).
    public mutating func addFile(_ path: String, text: String, mode: UInt32 = 0o644) {
        addFile(path, contents: Array(text.utf8), mode: mode)
    }

    /// Adds a regular file copied from the host when the archive is written.
    /// - Parameter mode: permission bits; `nil` takes them from the host file.
    /// - Throws: `CpioError.unreadable` if the host file cannot be stat'ed.
    public mutating func addFile(_ path: String, from host: URL, mode: UInt32? = nil) throws {
        var st = stat()
        guard stat(host.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw CpioError.unreadable(host.path, String(cString: strerror(errno)))
        }
        let m = mode ?? UInt32(st.st_mode) & 0o7777
        put(.file(path: Self.normalize(path), mode: m & 0o7777, contents: .hostFile(host)))
    }

    /// Adds a symbolic link (`S_IFLNK`); its data is the target string.
    public mutating func addSymlink(_ path: String, target: String) {
        put(.symlink(path: Self.normalize(path), target: target))
    }

    /// Adds a character device node (`S_IFCHR`), e.g. `dev/console` 5:1, which
    /// the kernel opens as init's stdin/stdout before any devtmpfs exists.
    public mutating func addCharacterDevice(_ path: String, mode: UInt32 = 0o600,
                                            major: UInt32, minor: UInt32) {
        put(.characterDevice(path: Self.normalize(path), mode: mode & 0o7777,
                             major: major, minor: minor))
    }

    /// Serializes the archive, including the `TRAILER!!!` entry.
    /// - Throws: `CpioError` if a host file cannot be read or is too large.
    public func encoded() throws -> [UInt8] {
        var out: [UInt8] = []
        try write { out.append(contentsOf: $0) }
        return out
    }

    /// Writes the archive to `url` atomically (temp file in the same
    /// directory, then rename).
    public func write(to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: tmp.path) else {
            throw CpioError.unwritable(tmp.path, String(cString: strerror(errno)))
        }
        do {
            var buffer: [UInt8] = []
            try write { chunk in
                buffer.append(contentsOf: chunk)
                if buffer.count >= 1 << 20 {
                    handle.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            handle.write(Data(buffer))
            try handle.close()
            guard rename(tmp.path, url.path) == 0 else {
                throw CpioError.unwritable(url.path, String(cString: strerror(errno)))
            }
        } catch {
            try? handle.close()
            unlink(tmp.path)
            throw error
        }
    }

    // MARK: - Encoding

    private func write(_ sink: ([UInt8]) throws -> Void) throws {
        var offset = 0
        func emit(_ bytes: [UInt8]) throws {
            try sink(bytes)
            offset += bytes.count
        }
        func pad() throws {
            let n = (4 - offset % 4) % 4
            if n > 0 { try emit([UInt8](repeating: 0, count: n)) }
        }
        func header(ino: Int, mode: UInt32, nlink: Int, size: Int,
                    rdevMajor: UInt32 = 0, rdevMinor: UInt32 = 0, name: String) throws {
            let nameBytes = Array(name.utf8) + [0]
            let fields: [UInt32] = [
                UInt32(ino), mode, 0, 0, UInt32(nlink), 0, UInt32(size),
                0, 0, rdevMajor, rdevMinor, UInt32(nameBytes.count), 0,
            ]
            var h = Array("070701".utf8)
            for f in fields { h += Self.hex8(f) }
            try emit(h)
            try emit(nameBytes)
            try pad()
        }

        for (i, entry) in entries.enumerated() {
            let ino = i + 1
            switch entry {
            case .directory(let path, let mode):
                try header(ino: ino, mode: UInt32(S_IFDIR) | mode, nlink: 2, size: 0, name: path)
            case .symlink(let path, let target):
                let data = Array(target.utf8)
                try header(ino: ino, mode: UInt32(S_IFLNK) | 0o777, nlink: 1, size: data.count, name: path)
                try emit(data)
                try pad()
            case .characterDevice(let path, let mode, let major, let minor):
                try header(ino: ino, mode: UInt32(S_IFCHR) | mode, nlink: 1, size: 0,
                           rdevMajor: major, rdevMinor: minor, name: path)
            case .file(let path, let mode, .bytes(let data)):
                guard data.count <= UInt32.max else { throw CpioError.tooLarge(path) }
                try header(ino: ino, mode: UInt32(S_IFREG) | mode, nlink: 1, size: data.count, name: path)
                try emit(data)
                try pad()
            case .file(let path, let mode, .hostFile(let url)):
                guard let handle = FileHandle(forReadingAtPath: url.path) else {
                    throw CpioError.unreadable(url.path, String(cString: strerror(errno)))
                }
                defer { try? handle.close() }
                let size = Int(try handle.seekToEnd())
                try handle.seek(toOffset: 0)
                guard size <= UInt32.max else { throw CpioError.tooLarge(path) }
                try header(ino: ino, mode: UInt32(S_IFREG) | mode, nlink: 1, size: size, name: path)
                var copied = 0
                while copied < size {
                    guard let chunk = try handle.read(upToCount: min(1 << 20, size - copied)),
                          !chunk.isEmpty else {
                        throw CpioError.unreadable(url.path, "file shrank while archiving")
                    }
                    try emit(Array(chunk))
                    copied += chunk.count
                }
                try pad()
            }
        }
        try header(ino: 0, mode: 0, nlink: 1, size: 0, name: "TRAILER!!!")
    }

    private static func hex8(_ v: UInt32) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return (0..<8).reversed().map { digits[Int((v >> (UInt32($0) * 4)) & 0xF)] }
    }

    // MARK: - Entry bookkeeping

    private static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    private mutating func put(_ entry: Entry) {
        let path = entry.path
        // Parents first, so the kernel can create the entry when it meets it.
        var parent = ""
        for component in path.split(separator: "/").dropLast() {
            parent = parent.isEmpty ? String(component) : parent + "/" + component
            if index[parent] == nil {
                index[parent] = entries.count
                entries.append(.directory(path: parent, mode: 0o755))
            }
        }
        if let i = index[path] {
            entries[i] = entry
        } else {
            index[path] = entries.count
            entries.append(entry)
        }
    }
}

/// Errors from `CpioArchive`.
public enum CpioError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case unwritable(String, String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .unreadable(let p, let why): return "cannot read \(p): \(why)"
        case .unwritable(let p, let why): return "cannot write \(p): \(why)"
        case .tooLarge(let p): return "\(p) is larger than 4 GiB, the limit of the newc cpio format"
        }
    }
}
