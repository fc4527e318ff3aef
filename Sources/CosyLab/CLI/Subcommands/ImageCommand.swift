import Foundation

/// `cosy-lab image`: the initramfs and the data disk.
enum ImageCommand: Subcommand {
    static let spec = CommandSpec(
        name: "image", abstract: "Build the guest images: initramfs and ext4 data disk (cached).",
        discussion: """
            The initramfs holds busybox, images/init, the guest programs built as static
            Swift executables, and the kernel's selftest. The data disk is ext4, built
            with libguestfs, and holds the benchmark data.
            """,
        options: CommonOptions.kernel + [
            OptionSpec("copy-size", value: "bytes", help: "Size of the copy benchmark's file (default: 64M)."),
        ])

    static func run(_ o: ParsedOptions, paths: () throws -> LabPaths) throws -> Int32 {
        var lab = try CommonOptions.labOptions(o, usage: spec.usageLine)
        lab.dataset.copyBytes = try o.byteSize("copy-size", default: lab.dataset.copyBytes, usage: spec.usageLine)
        let paths = try paths()
        let progress = ProgressReporter()
        let kernel = try KernelBuilder(paths: paths, source: lab.source, flavour: lab.flavour, progress: progress).build()
        let images = try ImageBuilder(paths: paths, progress: progress).build(for: kernel, dataset: lab.dataset)
        print(images.initramfs.path)
        print(images.dataDisk.path)
        return 0
    }
}
