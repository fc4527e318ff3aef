// Picks KVM only when a probe boot proves it works; TCG otherwise.

import Foundation

public enum AcceleratorProbe {
    /// The kernel command line of the probe boot. The guest init prints
    /// `COSY-LAB-EXIT` for it too (running `true`).
    public static let probeCmdline = "console=ttyS0 panic=-1 cosy.probe=1"
    /// How long a KVM probe boot may take.
    public static let probeTimeout: Duration = .seconds(15)

    /// Chooses the accelerator.
    ///
    /// - `requested == "tcg"`: TCG.
    /// - `requested == "kvm"`: KVM; throws if `/dev/kvm` is missing (local URIs).
    /// - `requested == "auto"`: TCG if `/dev/kvm` cannot be opened (local
    ///   URIs); otherwise the answer of a probe boot of `kernel`+`initrd` under
    ///   KVM with a 15 s timeout: KVM if it printed a `COSY-LAB-EXIT` line.
    ///   The answer is cached in `cacheDir/accelerator-probe.json`, keyed by
    ///   the host's boot id, the QEMU version and the URI, so the probe runs
    ///   once per host boot.
    /// - Throws: `LabError` for a bad `requested` value, for `kvm` without
    ///   `/dev/kvm`, and if libvirt cannot be reached for a probe.
    public static func choose(connectURI: String?, kernel: URL, initrd: URL, cacheDir: URL,
                              requested: String) throws -> Accelerator {
        let uri = connectURI ?? LibvirtURI.defaultURI()
        let local = LibvirtURI.isLocal(uri)
        switch requested {
        case "tcg":
            return .tcg
        case "kvm":
            if local && access("/dev/kvm", F_OK) != 0 {
                throw LabError("--accel kvm, but /dev/kvm does not exist",
                              hint: "load the kvm module (kvm_intel/kvm_amd) or use --accel tcg")
            }
            return .kvm
        case "auto":
            break
        default:
            throw LabError("unknown accelerator '\(requested)'", hint: "use auto, kvm or tcg")
        }

        if local {
            let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
            if fd < 0 { return .tcg }
            close(fd)
        }

        // A missing kernel or initrd is the caller's error, not a KVM verdict.
        for file in [kernel, initrd] where local && access(file.path, R_OK) != 0 {
            throw LabError("cannot read \(file.path) for the accelerator probe: \(String(cString: strerror(errno)))")
        }
        let runner = try VMRunner(connectURI: connectURI)
        let key = "\(bootID())|qemu \(runner.hypervisorVersion)|\(connectURI ?? "embedded")"
        let cacheFile = cacheDir.appendingPathComponent("accelerator-probe.json")
        if let data = try? Data(contentsOf: cacheFile),
           let cached = try? JSONDecoder().decode(ProbeRecord.self, from: data),
           cached.key == key {
            return cached.accelerator
        }

        let accel = probe(runner: runner, kernel: kernel, initrd: initrd, workDir: cacheDir)
        let record = ProbeRecord(key: key, accelerator: accel)
        try? FileManager.default.createDirectory(at: cacheDir, withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(record) {
            try? data.write(to: cacheFile, options: .atomic)
        }
        return accel
    }

    /// One short KVM boot: `.kvm` if the guest reached its EXIT line.
    static func probe(runner: VMRunner, kernel: URL, initrd: URL, workDir: URL) -> Accelerator {
        let spec = VMSpec(name: "cosy-probe", kernel: kernel, initrd: initrd,
                          cmdline: probeCmdline, memoryMiB: 256, vcpus: 1, accelerator: .kvm,
                          consoleLog: workDir.appendingPathComponent("accelerator-probe.console"),
                          timeout: probeTimeout)
        guard let outcome = try? runner.boot(spec, onConsoleLine: { _ in }) else { return .tcg }
        return outcome.exitStatus != nil && !outcome.timedOut ? .kvm : .tcg
    }

    /// `/proc/sys/kernel/random/boot_id`, which changes with every host boot.
    static func bootID() -> String {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown-boot"
    }

    struct ProbeRecord: Codable {
        var key: String
        var accelerator: Accelerator
    }
}
