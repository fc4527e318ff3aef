import Foundation
import Testing

@testable import CosyLab

@Suite struct KernelBuildTests {
    @Test func fragmentRequirementsAreCheckedAgainstTheFinalConfig() {
        let fragment = """
            # comment
            CONFIG_COSY=y
            CONFIG_CMDLINE="x y"
            # CONFIG_MODULES is not set
            CONFIG_KASAN=n
            CONFIG_VIRTIO_BLK=y
            """
        let config = """
            CONFIG_COSY=y
            CONFIG_CMDLINE="x y"
            CONFIG_MODULES=y
            # CONFIG_VIRTIO_BLK is not set
            """
        #expect(KernelConfig.unmet(fragment: fragment, in: config) == [
            "CONFIG_MODULES (is y, wanted unset)", "CONFIG_VIRTIO_BLK=y",
        ])
        #expect(KernelConfig.unmet(fragment: "CONFIG_COSY=y\n", in: "CONFIG_COSY=y\n").isEmpty)
    }

    @Test func theProjectsFragmentsAreWellFormed() throws {
        let paths = try LabPaths.discover()
        for flavour in [KernelFlavour.default] {
            let builder = KernelBuilder(paths: paths, flavour: flavour)
            let fragments = try builder.configFragments()
            let all = try fragments.map { try String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
            let reqs = KernelConfig.requirements(of: all)
            #expect(reqs.contains(KernelConfig.Requirement(symbol: "CONFIG_COSY", value: "y")))
            for needed in ["CONFIG_VIRTIO_BLK", "CONFIG_EXT4_FS", "CONFIG_SERIAL_8250_CONSOLE", "CONFIG_BLK_DEV_INITRD",
                           "CONFIG_PREEMPT", "CONFIG_IO_URING", "CONFIG_BPF_SYSCALL"] {
                #expect(reqs.contains { $0.symbol == needed && $0.value == "y" }, "\(needed) missing from the fragments")
            }
        }
    }

    @Test func patchFailuresNameFileAndHunk() {
        let output = [
            "patching file include/uapi/linux/cosy.h",
            "patching file kernel/fork.c",
            "Hunk #2 FAILED at 1180.",
            "1 out of 2 hunks FAILED -- saving rejects to file kernel/fork.c.rej",
        ]
        let report = PatchFailure.summarize(output)
        #expect(report.summary == "kernel/fork.c: Hunk #2 FAILED at 1180.")
        #expect(report.rejectFiles == ["kernel/fork.c.rej"])
    }

    @Test func kbuildLinesBecomeProgress() {
        #expect(KernelBuildLine.parse("  CC      kernel/fork.o")! == ("CC", "kernel/fork.o"))
        #expect(KernelBuildLine.parse("  LD      vmlinux")! == ("LD", "vmlinux"))
        #expect(KernelBuildLine.parse("make[1]: Entering directory") == nil)
    }

    @Test func cacheKeyCoversEveryInput() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cosy-key-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let patches = root.appendingPathComponent("kernel-patches")
        try FileManager.default.createDirectory(at: patches.appendingPathComponent("config"), withIntermediateDirectories: true)
        let tarball = root.appendingPathComponent("src.tar")
        try Data("source".utf8).write(to: tarball)
        try Data("0001-a.patch\n".utf8).write(to: patches.appendingPathComponent("series"))
        try Data("patch a".utf8).write(to: patches.appendingPathComponent("0001-a.patch"))
        try Data("CONFIG_X=y\n".utf8).write(to: patches.appendingPathComponent("config/base.config"))
        try Data("CONFIG_COSY=y\n".utf8).write(to: patches.appendingPathComponent("config/cosy.config"))
        try Data("CONFIG_KASAN=y\n".utf8).write(to: patches.appendingPathComponent("config/debug.config"))
        let paths = LabPaths(projectRoot: root, cacheRoot: root.appendingPathComponent("cache"))
        func key(_ flavour: KernelFlavour = .default) throws -> String {
            try KernelBuilder(paths: paths, source: .tarball(tarball), flavour: flavour).cacheKey()
        }
        let k0 = try key()
        #expect(try key() == k0)
        #expect(try key(.debug) != k0)
        try Data("patch a2".utf8).write(to: patches.appendingPathComponent("0001-a.patch"))
        let k1 = try key()
        #expect(k1 != k0)
        try Data("CONFIG_X=n\n".utf8).write(to: patches.appendingPathComponent("config/base.config"))
        let k2 = try key()
        #expect(k2 != k1)
        try Data("source2".utf8).write(to: tarball)
        #expect(try key() != k2)
    }

    @Test func aCorruptCacheEntryIsNeverUsed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cosy-entry-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("kernel".utf8).write(to: dir.appendingPathComponent("bzImage"))
        #expect(KernelBuilder.load(from: dir) == nil, "no manifest: partial entry")
        let artifact = KernelArtifact(key: "k", release: "6.12.0", flavour: "default",
                                      files: ["bzImage": try ContentHash.ofFile(dir.appendingPathComponent("bzImage"))],
                                      buildSeconds: 1)
        try JSONEncoder().encode(artifact).write(to: dir.appendingPathComponent("manifest.json"))
        #expect(KernelBuilder.load(from: dir)?.release == "6.12.0")
        try Data("kernel, truncated".utf8).write(to: dir.appendingPathComponent("bzImage"))
        #expect(KernelBuilder.load(from: dir) == nil, "hash mismatch: corrupt entry")
    }
}
