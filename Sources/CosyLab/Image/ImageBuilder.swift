import Foundation

/// The guest images of one kernel: the initramfs (busybox, init, guest
/// programs, the kernel's selftest) and the ext4 data disk.
public struct GuestImages: Sendable {
    public var initramfs: URL
    public var dataDisk: URL
    /// Content hash of the initramfs.
    public var initramfsKey: String
    public var dataKey: String
}

/// Parameters of the data disk's contents.
public struct DatasetSpec: Sendable, Equatable {
    /// Size of the copy workload's source file.
    public var copyBytes: Int = 64 << 20

    public init(copyBytes: Int = 64 << 20) { self.copyBytes = copyBytes }

    /// The disk must hold the source, one copy and file system overhead.
    var diskMiB: Int { max(64, ((copyBytes * 2) >> 20) + 64) }

    /// Bumped when the generated data changes for the same parameters.
    static let generatorVersion = "dataset-1"
}

/// `cosy-lab image`: builds and caches the guest images.
public struct ImageBuilder {
    public var paths: LabPaths
    public var progress: ProgressReporter
    /// Guest programs built as static executables into the initramfs.
    public static let guestPrograms = ["cosy-copy", "cosy-micro", "cosy-examples"]
    public static let busybox = URL(fileURLWithPath: "/bin/busybox")

    public init(paths: LabPaths, progress: ProgressReporter) {
        self.paths = paths
        self.progress = progress
    }

    /// Builds (or finds in the cache) both images for `kernel`.
    public func build(for kernel: KernelArtifact, dataset: DatasetSpec) throws -> GuestImages {
        // One image build at a time per process: the guest programs share one
        // swift build folder, and a binary read while another build relinks
        // it would end up truncated in the initramfs.
        try Self.lock.withLock {
            let (initramfs, ikey) = try buildInitramfs(selftests: kernel.selftests)
            let (disk, dkey) = try buildDataDisk(dataset)
            return GuestImages(initramfs: initramfs, dataDisk: disk, initramfsKey: ikey, dataKey: dkey)
        }
    }

    static let lock = NSLock()

    /// Builds the guest programs as fully static executables; returns
    /// their paths.
    func buildGuestPrograms() throws -> [String: URL] {
        let scratch = paths.cacheRoot.appendingPathComponent("guest-build")
        var result: [String: URL] = [:]
        for product in Self.guestPrograms {
            progress.stage("image: building guest program \(product) (static, release)")
            let command = ["swift", "build", "-c", "release", "--product", product,
                           "--scratch-path", scratch.path, "-Xswiftc", "-static-executable"]
            do {
                try Shell.run(command, in: paths.projectRoot, tailLines: 30) { progress.status("image: \($0)") }
            } catch let f as Shell.Failure {
                progress.clearStatus()
                throw LabError("building guest program \(product) failed: \(f)")
            }
            progress.clearStatus()
            result[product] = scratch.appendingPathComponent("release/\(product)")
        }
        return result
    }

    /// The Swift toolchain's clang (it has the BPF target).
    static func toolchainClang() -> String? {
        if let c = ProcessInfo.processInfo.environment["COSY_CLANG"] { return c }
        if let swift = Shell.which("swift") {
            let resolved = URL(fileURLWithPath: swift).resolvingSymlinksInPath()
            let clang = resolved.deletingLastPathComponent().appendingPathComponent("clang").path
            if FileManager.default.isExecutableFile(atPath: clang) { return clang }
        }
        return Shell.which("clang")
    }

    /// Compiles the user functions in images/bpf/*.c to BPF objects
    /// (`clang -O2 -target bpf`), for /lib/cosy/ in the guest.
    func buildUserFunctions() throws -> [(String, URL)] {
        let dir = paths.imagesDir.appendingPathComponent("bpf")
        let sources = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".c") }.sorted()
        guard !sources.isEmpty else { return [] }
        guard let clang = Self.toolchainClang() else {
            throw LabError("no clang with the BPF target found", hint: "the Swift toolchain ships one next to `swift`; or set COSY_CLANG")
        }
        let out = paths.cacheRoot.appendingPathComponent("bpf")
        try FileManager.default.ensureDirectory(out)
        var result: [(String, URL)] = []
        for source in sources {
            let object = out.appendingPathComponent(source.replacingOccurrences(of: ".c", with: ".o"))
            progress.stage("image: compiling user function \(source) (clang -target bpf)")
            do {
                let tmp = object.path + ".tmp-\(UUID().uuidString)"
                try Shell.run([clang, "-O2", "-g0", "-target", "bpf", "-I", paths.projectRoot.appendingPathComponent("Sources/CCosy/include").path,
                               "-c", dir.appendingPathComponent(source).path, "-o", tmp])
                // rename(2): a builder running beside this one never sees a partial object.
                guard rename(tmp, object.path) == 0 else { throw LabError("cannot rename \(tmp) to \(object.path)") }
            } catch let f as Shell.Failure {
                throw LabError("compiling images/bpf/\(source) failed: \(f)")
            }
            result.append((object.lastPathComponent, object))
            // The raw instructions too, for the kselftest (COSY_BPF_COUNT).
            let objcopy = URL(fileURLWithPath: clang).deletingLastPathComponent().appendingPathComponent("llvm-objcopy").path
            if FileManager.default.isExecutableFile(atPath: objcopy) {
                let raw = object.deletingPathExtension().appendingPathExtension("bin")
                let tmp = raw.path + ".tmp-\(UUID().uuidString)"
                try Shell.run([objcopy, "-O", "binary", "-j", "cosy", object.path, tmp])
                guard rename(tmp, raw.path) == 0 else { throw LabError("cannot rename \(tmp) to \(raw.path)") }
                result.append((raw.lastPathComponent, raw))
            }
        }
        return result
    }

    /// The initramfs: content-addressed by everything that goes into it.
    func buildInitramfs(selftests: [URL]) throws -> (URL, String) {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: Self.busybox.path) else {
            throw LabError.missing("busybox (static) at /bin/busybox", package: "busybox-static")
        }
        let initScript = paths.imagesDir.appendingPathComponent("init")
        let programs = try buildGuestPrograms()

        var h = ContentHash()
        try h.add("init", file: initScript)
        try h.add("busybox", file: Self.busybox)
        for name in programs.keys.sorted() { try h.add("bin/\(name)", file: programs[name]!) }
        for s in selftests { try h.add(s.lastPathComponent, file: s) }
        let functions = try buildUserFunctions()
        for (name, object) in functions { try h.add("lib/cosy/\(name)", file: object) }
        let key = h.finish()
        let entry = VerifiedCacheFile(paths.imageCache.appendingPathComponent("initramfs-\(key.prefix(24)).cpio"),
                                      what: "image: initramfs \(key.prefix(12))")
        if let hit = entry.lookup(progress: progress) {
            progress.stage("image: initramfs \(key.prefix(12)) is cached")
            return (hit, key)
        }
        progress.stage("image: writing initramfs \(key.prefix(12))")
        // A private staging folder: several builders may run in one process.
        let staging = paths.imageCache.appendingPathComponent(".initramfs-\(UUID().uuidString)")
        try fm.ensureDirectory(staging)
        defer { try? fm.removeItem(at: staging) }
        var cpio = CpioArchive()
        for dir in ["bin", "dev", "proc", "sys", "tmp", "data", "mnt", "root"] { cpio.addDirectory(dir) }
        cpio.addCharacterDevice("dev/console", major: 5, minor: 1)
        try cpio.addFile("init", from: initScript, mode: 0o755)
        try cpio.addFile("bin/busybox", from: Self.busybox, mode: 0o755)
        cpio.addSymlink("bin/sh", target: "busybox")
        for name in programs.keys.sorted() {
            let stripped = staging.appendingPathComponent(name)
            try Shell.run(["strip", "-o", stripped.path, programs[name]!.path])
            try cpio.addFile("bin/\(name)", from: stripped, mode: 0o755)
        }
        for s in selftests {
            // selftest-cosy_test -> /bin/cosy_test
            try cpio.addFile("bin/" + s.lastPathComponent.dropFirst("selftest-".count), from: s, mode: 0o755)
        }
        for (name, object) in functions { try cpio.addFile("lib/cosy/\(name)", from: object, mode: 0o644) }
        let out = try entry.publish { try cpio.write(to: $0) }
        return (out, key)
    }

    /// The ext4 data disk with the benchmark data, built with libguestfs.
    func buildDataDisk(_ dataset: DatasetSpec) throws -> (URL, String) {
        let fm = FileManager.default
        var h = ContentHash()
        h.add("generator", string: DatasetSpec.generatorVersion)
        h.add("copy-bytes", string: String(dataset.copyBytes))
        let key = h.finish()
        let entry = VerifiedCacheFile(paths.imageCache.appendingPathComponent("data-\(key.prefix(24)).img"),
                                      what: "image: data disk \(key.prefix(12))")
        // Older versions marked a finished disk with `<disk>.ok`; the
        // checksum file replaces it.
        try? fm.removeItem(atPath: entry.url.path + ".ok")
        if let hit = entry.lookup(progress: progress) {
            progress.stage("image: data disk \(key.prefix(12)) is cached")
            return (hit, key)
        }
        try fm.ensureDirectory(paths.imageCache)
        let staging = paths.imageCache.appendingPathComponent(".data-\(getpid())")
        try? fm.removeItem(at: staging)
        try fm.ensureDirectory(staging)
        defer { try? fm.removeItem(at: staging) }

        progress.stage("image: generating \(ByteSize.format(dataset.copyBytes)) of copy data")
        let src = staging.appendingPathComponent("src")
        try Dataset.writePseudoRandomFile(src, bytes: dataset.copyBytes, seed: 0xC05E_1AB)

        progress.stage("image: building the \(dataset.diskMiB) MiB ext4 data disk with libguestfs (TCG appliance)")
        let started = Date()
        let out = try entry.publish {
            try DataDisk.build(at: $0, sizeMiB: dataset.diskMiB, files: [("/copy/src", src)], label: "cosy-data")
        }
        progress.stage("image: data disk built in \(formatSeconds(Date().timeIntervalSince(started)))")
        return (out, key)
    }
}

/// Deterministic benchmark data.
enum Dataset {
    /// Writes `bytes` of xorshift64* output: incompressible, reproducible.
    static func writePseudoRandomFile(_ url: URL, bytes: Int, seed: UInt64) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var state = seed | 1
        let block = 1 << 20
        var remaining = bytes
        var buffer = [UInt64](repeating: 0, count: block / 8)
        while remaining > 0 {
            for i in buffer.indices {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                buffer[i] = state &* 0x2545_F491_4F6C_DD1D
            }
            let n = min(block, remaining)
            buffer.withUnsafeBytes { handle.write(Data($0.prefix(n))) }
            remaining -= n
        }
    }
}
