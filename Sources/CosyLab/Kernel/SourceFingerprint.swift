import Foundation

/// A content fingerprint of the kernel source, cheap to recompute.
enum SourceFingerprint {
    /// The tarball's SHA-256 (memoized by path, size, mtime and inode, so a
    /// no-op rebuild does not re-read 150 MB), or a tree's state.
    static func of(_ source: KernelSource, memo: URL) throws -> String {
        switch source {
        case .tarball(let url): return try memoizedFileHash(url, memo: memo)
        case .tree(let url): return try treeFingerprint(url)
        }
    }

    static func memoizedFileHash(_ url: URL, memo: URL) throws -> String {
        var st = stat()
        guard stat(url.path, &st) == 0 else { throw LabError("cannot stat \(url.path)") }
        let stamp = "\(url.path)|\(st.st_size)|\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)|\(st.st_ino)"
        var table = (try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: memo))) ?? [:]
        if let known = table[stamp] { return known }
        let digest = try ContentHash.ofFile(url)
        table[stamp] = digest
        try? FileManager.default.createDirectory(at: memo.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? JSONEncoder().encode(table).write(to: memo, options: .atomic)
        return digest
    }

    /// A git tree: HEAD plus the diff of uncommitted changes and the list
    /// of untracked files. Otherwise: every file's path, size and mtime.
    static func treeFingerprint(_ url: URL) throws -> String {
        var h = ContentHash()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(".git").path) {
            h.add("head", string: try Shell.capture(["git", "rev-parse", "HEAD"], in: url))
            h.add("diff", string: try Shell.capture(["git", "diff", "HEAD"], in: url))
            h.add("untracked", string: try Shell.capture(["git", "ls-files", "--others", "--exclude-standard", "-s"], in: url))
            return h.finish()
        }
        guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey]) else {
            throw LabError("cannot list \(url.path)")
        }
        for case let file as URL in walker {
            let values = try file.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey])
            h.add("f", string: "\(file.path)|\(values.fileSize ?? 0)|\(values.contentModificationDate?.timeIntervalSince1970 ?? 0)")
        }
        return h.finish()
    }
}
