import Foundation

/// What every VM-using command shares: which kernel, which VMs.
public struct LabOptions: Sendable {
    public var source: KernelSource = .tarball(KernelSource.debianTarball)
    public var flavour: KernelFlavour = .default
    /// A bzImage to boot instead of building one.
    public var kernelOverride: URL?
    public var connectURI: String?
    public var accelerator = "auto"
    public var timeout: Duration = .seconds(300)
    public var memoryMiB = 1024
    public var dataset = DatasetSpec()
    public var verbose = false

    public init() {}
}

/// A prepared guest: kernel, images and the accelerator to boot them on.
public struct PreparedGuest: Sendable {
    public var kernel: KernelArtifact
    public var images: GuestImages
    public var accelerator: Accelerator
}

/// Kernel build, images and boots, in the order `run` and `bench` need them.
public struct Lab: Sendable {
    public var paths: LabPaths
    public var options: LabOptions
    public var progress: ProgressReporter

    public init(paths: LabPaths, options: LabOptions, progress: ProgressReporter) {
        self.paths = paths
        self.options = options
        self.progress = progress
    }

    public var kernelBuilder: KernelBuilder {
        KernelBuilder(paths: paths, source: options.source, flavour: options.flavour, progress: progress)
    }

    /// Builds (or takes from the cache) the kernel and the images, and
    /// picks the accelerator.
    public func prepare() throws -> PreparedGuest {
        var kernel = try kernelBuilder.build()
        if let override = options.kernelOverride {
            guard FileManager.default.fileExists(atPath: override.path) else {
                throw LabError("--kernel \(override.path) does not exist")
            }
            kernel.files["bzImage"] = try ContentHash.ofFile(override)
            kernel.directory = override.deletingLastPathComponent()
        }
        let images = try ImageBuilder(paths: paths, progress: progress).build(for: kernel, dataset: options.dataset)
        let accel = try AcceleratorProbe.choose(
            connectURI: options.connectURI, kernel: kernel.bzImage, initrd: images.initramfs,
            cacheDir: paths.cacheRoot, requested: options.accelerator)
        progress.stage("boot: accelerator \(accel.rawValue)"
                       + (options.accelerator == "auto" ? " (probe)" : " (requested)"))
        return PreparedGuest(kernel: kernel, images: images, accelerator: accel)
    }

    /// The kernel command line that runs `command` in the guest. Quiet
    /// unless `verboseKernel`: then every message (KUnit results, lockdep
    /// warnings) reaches the console.
    public static func cmdline(command: String, verboseKernel: Bool = false) -> String {
        let encoded = Data(command.utf8).base64EncodedString()
        return ["console=ttyS0", "panic=-1", verboseKernel ? "loglevel=7" : "quiet", "cosy.cmd=\(encoded)"]
            .joined(separator: " ")
    }

    /// A fresh folder for one boot's console log and overlays.
    public func newRunDirectory(_ label: String) throws -> URL {
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate, .withTime])
        let dir = paths.runsDir.appendingPathComponent("\(stamp)-\(label)-\(UInt16.random(in: 0 ... .max))")
        try FileManager.default.ensureDirectory(dir)
        return dir
    }

    /// Boots `guest` and runs `command` (a shell command line) in it.
    public func boot(_ guest: PreparedGuest, command: String, consoleLog: URL,
                     onConsoleLine: @Sendable (String) -> Void) throws -> VMOutcome {
        let cmdline = Self.cmdline(command: command, verboseKernel: options.flavour == .debug || options.verbose)
        guard cmdline.utf8.count < 2048 else {
            throw LabError("the guest command is too long for the kernel command line (\(cmdline.utf8.count) bytes, limit 2048)",
                           hint: "put long scripts into the image (images/) and call them")
        }
        let spec = VMSpec(
            name: "cosy-lab", kernel: guest.kernel.bzImage, initrd: guest.images.initramfs,
            cmdline: cmdline,
            disks: [VMDisk(image: guest.images.dataDisk, format: "raw", readOnly: false, snapshot: true)],
            memoryMiB: options.memoryMiB, vcpus: 1, accelerator: guest.accelerator,
            consoleLog: consoleLog, timeout: options.timeout)
        let runner = try VMRunner(connectURI: options.connectURI)
        return try runner.boot(spec, onConsoleLine: onConsoleLine)
    }

    /// Turns a failed boot into an error that shows the console's tail.
    public static func failure(_ outcome: VMOutcome, consoleLog: URL) -> LabError? {
        let tail = outcome.consoleTail.suffix(20).map { "    | \($0)" }.joined(separator: "\n")
        if outcome.panicked {
            return LabError("the guest kernel panicked; console tail:\n\(tail)", hint: "full console log: \(consoleLog.path)")
        }
        if outcome.timedOut {
            return LabError("the guest did not finish within the timeout and was destroyed; console tail:\n\(tail)",
                            hint: "full console log: \(consoleLog.path); raise --timeout if it was just slow")
        }
        if outcome.exitStatus == nil {
            return LabError("the guest ended without reporting an exit status; console tail:\n\(tail)",
                            hint: "full console log: \(consoleLog.path)")
        }
        return nil
    }
}
