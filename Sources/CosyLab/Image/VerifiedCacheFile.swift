import Foundation

/// One cached artefact whose bytes are checked before every use, the way the
/// kernel cache checks its entries (`KernelBuilder.load`): the file `url`
/// and a sidecar `<url>.sha256` holding its digest (`ContentHash.ofFile`,
/// the digest the kernel manifest records; SHA-256 over the file framed
/// with a label and its length, so not the output of `sha256sum`).
///
/// `publish` builds the file under a temporary name in the same directory,
/// fsyncs and hashes it, then rename(2)s it and its sidecar into place;
/// `lookup` hands the file out only if the sidecar exists and the digest
/// matches, and otherwise removes both. The renames and the check-and-remove
/// both hold an flock on `<url>.lock`, so a lookup in another process never
/// sees a new file beside an old (or no) sidecar, and never removes an entry
/// that is being published.
struct VerifiedCacheFile {
    /// The artefact.
    let url: URL
    /// For progress messages, e.g. `image: initramfs 0123abcd4567`.
    let what: String

    init(_ url: URL, what: String) {
        self.url = url
        self.what = what
    }

    /// The sidecar with the digest of `url`.
    var checksumFile: URL { URL(fileURLWithPath: url.path + ".sha256") }
    var lockFile: URL { URL(fileURLWithPath: url.path + ".lock") }

    /// The file, if it is present and matches its recorded digest. Otherwise
    /// nil (a miss); an entry that exists but does not verify is removed,
    /// with a progress line saying it is rebuilt.
    func lookup(progress: ProgressReporter) -> URL? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: url.deletingLastPathComponent().path) else { return nil }
        return withLock {
            let hasFile = fm.fileExists(atPath: url.path)
            let recorded = (try? String(contentsOf: checksumFile, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let problem: String
            switch (hasFile, recorded) {
            case (false, nil):
                return nil
            case (false, _):
                problem = "checksum file without artefact"
            case (true, nil):
                problem = "no checksum file"
            case (true, let recorded?):
                guard let actual = try? ContentHash.ofFile(url) else {
                    problem = "unreadable"
                    break
                }
                if actual == recorded { return url }
                problem = "SHA-256 mismatch"
            }
            progress.stage("\(what): cached entry is corrupt (\(problem)); removing it and rebuilding")
            unlink(url.path)
            unlink(checksumFile.path)
            return nil
        }
    }

    /// Builds the artefact with `produce`, which writes the file at the
    /// temporary path it is given (in the same directory as `url`), and
    /// publishes it with its digest. Returns `url`.
    @discardableResult
    func publish(_ produce: (URL) throws -> Void) throws -> URL {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.ensureDirectory(dir)
        let suffix = ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent)\(suffix)")
        let tmpSum = dir.appendingPathComponent(".\(checksumFile.lastPathComponent)\(suffix)")
        // After the renames these names are gone; before, they are ours.
        defer {
            unlink(tmp.path)
            unlink(tmpSum.path)
        }
        try produce(tmp)
        guard FileManager.default.fileExists(atPath: tmp.path) else {
            throw LabError("\(what): the build wrote no file at \(tmp.path)")
        }
        try Self.sync(tmp.path)
        try Data((try ContentHash.ofFile(tmp) + "\n").utf8).write(to: tmpSum)
        try Self.sync(tmpSum.path)
        try withLock {
            try Self.rename(tmp, to: url)
            try Self.rename(tmpSum, to: checksumFile)
        }
        try? Self.sync(dir.path)
        return url
    }

    /// Runs `body` holding an exclusive flock on `lockFile` (unlocked if the
    /// lock file cannot be opened).
    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        let fd = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return try body() }
        defer { close(fd) } // closing the descriptor releases the lock
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        return try body()
    }

    static func rename(_ from: URL, to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else {
            throw LabError("cannot rename \(from.path) to \(to.path): \(String(cString: strerror(errno)))")
        }
    }

    /// fsync(2) of a file or directory.
    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LabError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw LabError("cannot fsync \(path): \(String(cString: strerror(errno)))") }
    }
}
