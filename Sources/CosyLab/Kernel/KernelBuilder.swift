import Foundation

/// Which kernel sources to build.
public enum KernelSource: Sendable, Equatable {
    /// A release tarball (default: Debian's linux-source-6.12).
    case tarball(URL)
    /// An unpacked tree; it is copied, never modified.
    case tree(URL)

    public static let debianTarball = URL(fileURLWithPath: "/usr/src/linux-source-6.12.tar.xz")
}

/// Build flavours: each adds `kernel-patches/config/<flavour>.config`.
public enum KernelFlavour: String, Sendable, CaseIterable {
    case `default`
    /// KUnit, KASAN, UBSAN, lockdep, kmemleak for the test suites.
    case debug
}

/// A built kernel in the cache.
public struct KernelArtifact: Sendable, Codable, Equatable {
    /// The content hash that names this build.
    public var key: String
    /// `make kernelrelease`, e.g. `6.12.118-cosy`.
    public var release: String
    public var flavour: String
    /// SHA-256 of each file in the entry; checked before every use.
    public var files: [String: String]
    public var buildSeconds: Double

    /// The entry's folder (not stored; set when loaded).
    public var directory: URL {
        get { URL(fileURLWithPath: directoryPath) }
        set { directoryPath = newValue.path }
    }
    var directoryPath: String = ""

    public var bzImage: URL { directory.appendingPathComponent("bzImage") }
    public var config: URL { directory.appendingPathComponent("config") }
    public var buildLog: URL { directory.appendingPathComponent("build.log") }
    /// The statically linked kselftest binaries of the series
    /// (tools/testing/selftests/cosy/*.c), by name.
    public var selftests: [URL] {
        files.keys.filter { $0.hasPrefix("selftest-") }.sorted().map { directory.appendingPathComponent($0) }
    }

    enum CodingKeys: String, CodingKey { case key, release, flavour, files, buildSeconds }
}

/// `cosy-lab build`: unpack, patch, configure and build a kernel, cached by
/// the content hash of everything that goes into it.
public struct KernelBuilder {
    public var paths: LabPaths
    public var source: KernelSource
    public var flavour: KernelFlavour
    public var jobs: Int
    public var progress: ProgressReporter
    /// Keep the unpacked tree and object folder after a build.
    public var keepWorkTree = false

    /// Bumped when the build procedure changes the artefact.
    static let builderVersion = "kernel-builder-2"

    public init(paths: LabPaths, source: KernelSource = .tarball(KernelSource.debianTarball),
                flavour: KernelFlavour = .default, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                progress: ProgressReporter = ProgressReporter()) {
        self.paths = paths
        self.source = source
        self.flavour = flavour
        self.jobs = jobs
        self.progress = progress
    }

    /// The patch files named by `kernel-patches/series`, in order.
    public func seriesPatches() throws -> [URL] {
        let seriesFile = paths.kernelPatches.appendingPathComponent("series")
        guard let text = try? String(contentsOf: seriesFile, encoding: .utf8) else {
            throw LabError("cannot read \(seriesFile.path)", hint: "is this a cosy-lab checkout?")
        }
        return try text.split(separator: "\n").compactMap { raw -> URL? in
            let name = raw.trimmingCharacters(in: .whitespaces)
            if name.isEmpty || name.hasPrefix("#") { return nil }
            let url = paths.kernelPatches.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw LabError("kernel-patches/series names \(name), which does not exist")
            }
            return url
        }
    }

    /// The config fragments merged onto tinyconfig, in order.
    public func configFragments() throws -> [URL] {
        let dir = paths.kernelPatches.appendingPathComponent("config")
        var names = ["base.config", "cosy.config"]
        if flavour != .default { names.append("\(flavour.rawValue).config") }
        return try names.map { name in
            let url = dir.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw LabError("config fragment kernel-patches/config/\(name) is missing")
            }
            return url
        }
    }

    /// The cache key: hash of the source, the patches, the fragments, the
    /// flavour and the build procedure.
    public func cacheKey() throws -> String {
        var h = ContentHash()
        h.add("builder", string: Self.builderVersion)
        h.add("flavour", string: flavour.rawValue)
        h.add("source", string: try SourceFingerprint.of(source, memo: paths.cacheRoot.appendingPathComponent("hash-memo.json")))
        for patch in try seriesPatches() {
            try h.add("patch:\(patch.lastPathComponent)", file: patch)
        }
        for fragment in try configFragments() {
            try h.add("config:\(fragment.lastPathComponent)", file: fragment)
        }
        return h.finish()
    }

    /// The cached kernel for the current inputs, if present and intact.
    public func cached() throws -> KernelArtifact? {
        let key = try cacheKey()
        return Self.load(from: paths.kernelCache.appendingPathComponent(key))
    }

    /// Loads and verifies a cache entry; nil (never a partial artefact)
    /// when the manifest is missing or any file's hash differs.
    static func load(from dir: URL) -> KernelArtifact? {
        let manifest = dir.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: manifest),
              var artifact = try? JSONDecoder().decode(KernelArtifact.self, from: data),
              artifact.files["bzImage"] != nil
        else { return nil }
        for (name, digest) in artifact.files {
            guard (try? ContentHash.ofFile(dir.appendingPathComponent(name))) == digest else { return nil }
        }
        artifact.directory = dir
        return artifact
    }

    /// Returns the cached kernel, building it first if needed.
    public func build(force: Bool = false) throws -> KernelArtifact {
        try checkPrerequisites()
        let key = try cacheKey()
        let entry = paths.kernelCache.appendingPathComponent(key)
        if !force, let hit = Self.load(from: entry) {
            progress.stage("build: kernel \(hit.release) (\(flavour.rawValue)) is cached")
            return hit
        }
        if FileManager.default.fileExists(atPath: entry.path) {
            progress.stage("build: cache entry \(key.prefix(12)) is incomplete or corrupt; rebuilding")
            try FileManager.default.removeItem(at: entry)
        }
        return try buildFresh(key: key, entry: entry)
    }

    func checkPrerequisites() throws {
        if case .tarball(let t) = source, !FileManager.default.fileExists(atPath: t.path) {
            throw LabError.missing("kernel source \(t.path)", package: "linux-source-6.12")
        }
        if case .tree(let t) = source,
           !FileManager.default.fileExists(atPath: t.appendingPathComponent("Makefile").path) {
            throw LabError("\(t.path) is not a kernel source tree (no Makefile)")
        }
        for (tool, package) in [("make", "make"), ("gcc", "gcc"), ("flex", "flex"), ("bison", "bison"),
                                ("bc", "bc"), ("patch", "patch"), ("tar", "tar"), ("xz", "xz-utils")] {
            if Shell.which(tool) == nil { throw LabError.missing("`\(tool)`", package: package) }
        }
        for header in ["/usr/include/libelf.h", "/usr/include/openssl/ssl.h"] {
            if !FileManager.default.fileExists(atPath: header) {
                throw LabError.missing(header, package: header.contains("elf") ? "libelf-dev" : "libssl-dev")
            }
        }
    }

    func buildFresh(key: String, entry: URL) throws -> KernelArtifact {
        let fm = FileManager.default
        let started = Date()
        let work = paths.workDir.appendingPathComponent("kernel-\(key.prefix(16))")
        if fm.fileExists(atPath: work.path) { try fm.removeItem(at: work) }
        let src = work.appendingPathComponent("src"), out = work.appendingPathComponent("out")
        try fm.ensureDirectory(src)
        try fm.ensureDirectory(out)
        try fm.ensureDirectory(paths.kernelCache)
        let staging = paths.kernelCache.appendingPathComponent(".tmp-\(key.prefix(16))-\(getpid())")
        if fm.fileExists(atPath: staging.path) { try fm.removeItem(at: staging) }
        try fm.ensureDirectory(staging)
        let logURL = staging.appendingPathComponent("build.log")
        _ = fm.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        func step(_ what: String, _ command: [String], in dir: URL = src, onLine: ((String) -> Void)? = nil) throws {
            log.write(Data("\n$ \(command.joined(separator: " "))\n".utf8))
            do {
                try Shell.run(command, in: dir, log: log, onLine: onLine)
            } catch let failure as Shell.Failure {
                progress.clearStatus()
                throw LabError("\(what) failed: \(failure)", hint: "full log: \(logURL.path)")
            }
        }

        progress.stage("build: unpacking \(sourceDescription)")
        switch source {
        case .tarball(let t):
            try step("unpacking the kernel source", ["tar", "-xf", t.path, "-C", src.path, "--strip-components=1"])
        case .tree(let t):
            try step("copying the kernel tree", ["sh", "-c", "tar -C \"$1\" --exclude=.git -cf - . | tar -C \"$2\" -xf -", "sh", t.path, src.path])
        }

        let patches = try seriesPatches()
        progress.stage("build: applying \(patches.count) patches from kernel-patches/series")
        for patch in patches {
            try apply(patch, to: src, log: log)
        }

        progress.stage("build: configuring (tinyconfig + \(try configFragments().map(\.lastPathComponent).joined(separator: " + ")))")
        let make = ["make", "ARCH=x86_64", "O=\(out.path)"]
        try step("make tinyconfig", make + ["tinyconfig"])
        try step("merging config fragments",
                 ["scripts/kconfig/merge_config.sh", "-m", "-O", out.path, out.appendingPathComponent(".config").path]
                    + (try configFragments().map(\.path)))
        try step("make olddefconfig", make + ["olddefconfig"])
        let finalConfig = try String(contentsOf: out.appendingPathComponent(".config"), encoding: .utf8)
        for fragment in try configFragments() {
            let missing = KernelConfig.unmet(fragment: try String(contentsOf: fragment, encoding: .utf8), in: finalConfig)
            if !missing.isEmpty {
                throw LabError("kernel-patches/config/\(fragment.lastPathComponent): options not set in the final .config: \(missing.joined(separator: ", "))",
                               hint: "their dependencies are missing; add them to the fragment")
            }
        }

        progress.stage("build: compiling bzImage with \(jobs) jobs (log: \(logURL.path))")
        var objects = 0
        try step("make bzImage", make + ["-j\(jobs)", "bzImage"]) { line in
            if let (verb, file) = KernelBuildLine.parse(line) {
                objects += 1
                progress.status("build: \(objects) steps  \(verb) \(file)")
            }
        }
        progress.clearStatus()
        let release = try Shell.capture(make + ["-s", "kernelrelease"], in: src)

        var files: [String: String] = [:]
        try fm.copyItem(at: out.appendingPathComponent("arch/x86/boot/bzImage"), to: staging.appendingPathComponent("bzImage"))
        try fm.copyItem(at: out.appendingPathComponent(".config"), to: staging.appendingPathComponent("config"))

        let selftestDir = src.appendingPathComponent("tools/testing/selftests/cosy")
        let selftestSources = ((try? fm.contentsOfDirectory(atPath: selftestDir.path)) ?? [])
            .filter { $0.hasSuffix(".c") }.sorted()
        if !selftestSources.isEmpty {
            progress.stage("build: building the cosy kselftests (static): \(selftestSources.joined(separator: ", "))")
            try step("make headers", make + ["-j\(jobs)", "headers"])
            for source in selftestSources {
                let name = "selftest-" + source.dropLast(2)
                try step("building \(source)",
                         ["gcc", "-static", "-O2", "-Wall", "-I\(out.path)/usr/include", "-Itools/testing/selftests",
                          "tools/testing/selftests/cosy/\(source)", "-o", staging.appendingPathComponent(name).path, "-lpthread"])
            }
        }
        try log.synchronize()
        for name in try fm.contentsOfDirectory(atPath: staging.path) where name != "build.log" {
            files[name] = try ContentHash.ofFile(staging.appendingPathComponent(name))
        }
        var artifact = KernelArtifact(key: key, release: release, flavour: flavour.rawValue, files: files,
                                      buildSeconds: Date().timeIntervalSince(started))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(artifact).write(to: staging.appendingPathComponent("manifest.json"))
        try fm.moveItem(at: staging, to: entry)
        if !keepWorkTree { try? fm.removeItem(at: work) }
        artifact.directory = entry
        progress.stage("build: kernel \(release) built in \(formatSeconds(artifact.buildSeconds))")
        return artifact
    }

    var sourceDescription: String {
        switch source {
        case .tarball(let t): t.lastPathComponent
        case .tree(let t): t.path
        }
    }

    /// Applies one patch; a rejected hunk is reported by patch file, file
    /// and hunk.
    func apply(_ patch: URL, to src: URL, log: FileHandle) throws {
        log.write(Data("\n$ patch -p1 < \(patch.lastPathComponent)\n".utf8))
        var output: [String] = []
        do {
            try Shell.run(["patch", "-p1", "--forward", "--batch", "-i", patch.path], in: src, log: log, tailLines: 200) {
                output.append($0)
            }
        } catch is Shell.Failure {
            let report = PatchFailure.summarize(output)
            throw LabError("\(patch.lastPathComponent) does not apply: \(report.summary)",
                           hint: report.rejectFiles.map { "rejected hunk saved in \(src.appendingPathComponent($0).path)" }
                            .joined(separator: "\n  ") + (report.rejectFiles.isEmpty ? "" : "\n  ")
                            + "rebase the series on this source (kernel-patches/README.md)")
        }
    }
}

/// Reading `patch(1)` output.
enum PatchFailure {
    struct Report { var summary: String; var rejectFiles: [String] }

    static func summarize(_ lines: [String]) -> Report {
        var currentFile = "?"
        var failures: [String] = []
        var rejects: [String] = []
        for line in lines {
            if line.hasPrefix("patching file ") {
                currentFile = String(line.dropFirst("patching file ".count)).trimmingCharacters(in: CharacterSet(charactersIn: "'` "))
            } else if line.contains("FAILED at") || line.contains("FAILED.") {
                failures.append("\(currentFile): \(line.trimmingCharacters(in: .whitespaces))")
            } else if let r = line.range(of: "saving rejects to file ") {
                rejects.append(String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces))
            } else if line.contains("can't find file") || line.contains("Reversed (or previously applied)") {
                failures.append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        let summary = failures.isEmpty ? (lines.last ?? "patch failed") : failures.joined(separator: "; ")
        return Report(summary: summary, rejectFiles: rejects)
    }
}

/// Parsing kbuild's short output (`  CC      kernel/fork.o`).
enum KernelBuildLine {
    static func parse(_ line: String) -> (String, String)? {
        guard line.hasPrefix("  ") else { return nil }
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
        return (String(parts[0]), String(parts[parts.count - 1]))
    }
}
