import Foundation

/// `cosy-lab build`: the patched kernel, cached by content hash.
enum BuildCommand: Subcommand {
    static let spec = CommandSpec(
        name: "build", abstract: "Build the patched kernel (cached by content hash).",
        discussion: """
            Unpacks the pinned Linux source, applies kernel-patches/series, configures
            tinyconfig plus kernel-patches/config/*.config and builds bzImage. Prints the
            bzImage path. A build with unchanged inputs returns the cached kernel at once.
            """,
        options: CommonOptions.kernel + [
            OptionSpec("force", help: "Rebuild even if the cache has this kernel."),
            OptionSpec("keep-work", help: "Keep the unpacked tree and objects under the cache's work/."),
            OptionSpec("jobs", short: "j", value: "n", help: "Parallel make jobs (default: number of CPUs)."),
            OptionSpec("quiet", short: "q", help: "Print only the bzImage path."),
        ])

    static func run(_ o: ParsedOptions, paths: () throws -> LabPaths) throws -> Int32 {
        let lab = try CommonOptions.labOptions(o, usage: spec.usageLine)
        let jobs = try o.integer("jobs", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...1024, usage: spec.usageLine)
        var builder = KernelBuilder(paths: try paths(), source: lab.source, flavour: lab.flavour, jobs: jobs,
                                    progress: ProgressReporter(quiet: o.flag("quiet")))
        builder.keepWorkTree = o.flag("keep-work")
        let artifact = try builder.build(force: o.flag("force"))
        print(artifact.bzImage.path)
        return 0
    }
}
