// What to boot, and what came out of it.

import Foundation

/// The CPU backend a guest ran on. Every result records it.
public enum Accelerator: String, Sendable, Codable, CaseIterable {
    /// Hardware virtualization (libvirt domain type `kvm`).
    case kvm
    /// QEMU's software emulator (libvirt domain type `qemu`).
    case tcg
}

/// A disk attached as virtio-blk: the first is `vda`, then `vdb`, ...
public struct VMDisk: Sendable, Equatable {
    public var image: URL
    /// `"raw"` or `"qcow2"`.
    public var format: String
    public var readOnly: Bool
    /// If true the runner boots a throwaway qcow2 overlay (created next to the
    /// console log, backed by `image`, deleted after the boot), so `image`
    /// itself never changes.
    public var snapshot: Bool

    public init(image: URL, format: String = "raw", readOnly: Bool = false, snapshot: Bool = false) {
        self.image = image
        self.format = format
        self.readOnly = readOnly
        self.snapshot = snapshot
    }
}

/// One boot of a kernel + initramfs.
public struct VMSpec: Sendable {
    /// Domain name prefix; the runner appends a random suffix per boot.
    public var name: String
    /// The kernel image (bzImage), booted directly.
    public var kernel: URL
    /// The initramfs (cpio).
    public var initrd: URL
    /// The kernel command line, passed as is. It should contain
    /// `console=ttyS0` (the console log is the first serial port) and
    /// `panic=-1` (so a panic ends the domain at once).
    public var cmdline: String
    public var disks: [VMDisk]
    public var memoryMiB: Int
    public var vcpus: Int
    public var accelerator: Accelerator
    /// The serial console is written here (truncated first) and kept.
    public var consoleLog: URL
    /// Hard limit for the whole boot, from domain creation to its end.
    public var timeout: Duration

    public init(name: String, kernel: URL, initrd: URL, cmdline: String,
                disks: [VMDisk] = [], memoryMiB: Int = 1024, vcpus: Int = 1,
                accelerator: Accelerator, consoleLog: URL, timeout: Duration) {
        self.name = name
        self.kernel = kernel
        self.initrd = initrd
        self.cmdline = cmdline
        self.disks = disks
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.accelerator = accelerator
        self.consoleLog = consoleLog
        self.timeout = timeout
    }
}

/// What a boot produced.
public struct VMOutcome: Sendable {
    /// The status from the guest's `COSY-LAB-EXIT <n>` console line; nil if
    /// the domain ended (or was killed) without one.
    public var exitStatus: Int32?
    /// The console showed `Kernel panic - not syncing`.
    public var panicked: Bool
    /// The hard timeout passed and the runner destroyed the domain.
    public var timedOut: Bool
    /// From the moment the domain was started (virDomainCreateXML returned)
    /// until the `COSY-LAB-BEGIN` line was seen (50 ms polling resolution).
    public var bootToCommand: Duration?
    /// From just before domain creation until the domain was gone.
    public var elapsed: Duration
    /// The last 30 console lines, for error messages.
    public var consoleTail: [String]
    /// The accelerator the domain ran on (copied from the spec).
    public var accelerator: Accelerator

    public init(exitStatus: Int32?, panicked: Bool, timedOut: Bool, bootToCommand: Duration?,
                elapsed: Duration, consoleTail: [String], accelerator: Accelerator) {
        self.exitStatus = exitStatus
        self.panicked = panicked
        self.timedOut = timedOut
        self.bootToCommand = bootToCommand
        self.elapsed = elapsed
        self.consoleTail = consoleTail
        self.accelerator = accelerator
    }

    /// True when the guest reported exit status 0 and nothing went wrong.
    public var succeeded: Bool { exitStatus == 0 && !panicked && !timedOut }
}
