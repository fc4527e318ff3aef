// Boots one transient libvirt domain, streams its serial console, enforces
// the hard timeout and always tears the domain down.

import CLibvirt
import Foundation

/// Runs guests through libvirt (embedded QEMU driver by default).
///
/// With a non-embedded URI (`qemu:///system`, `qemu+ssh://...`) the same code
/// path is used, but the kernel, initrd, disk images and the console log must
/// then be paths that daemon's QEMU (user `libvirt-qemu` on Debian) can read
/// and write, on the daemon's host; the console is tailed from the local
/// path, so remote URIs need a shared file system for live output.
public final class VMRunner: Sendable {
    /// The libvirt URI this runner talks to.
    public let uri: String
    let connection: LibvirtConnection

    /// How often the console file is polled.
    public static let pollInterval: Duration = .milliseconds(50)
    /// How long a guest may take to end after its EXIT line or a panic before
    /// the runner destroys it (normally it ends at once: `reboot -f`,
    /// `panic=-1`, `<on_reboot>destroy</on_reboot>`).
    public static let endGrace: Duration = .seconds(10)

    /// Opens (or reuses) the connection.
    /// - Parameter connectURI: a libvirt URI; nil means
    ///   `LibvirtURI.defaultURI()`, the embedded QEMU driver (or, while another
    ///   process uses that root, the first free of the roots `...v1`-`...v7`).
    /// - Throws: `LabError` naming what is missing (and the package) if libvirt
    ///   or QEMU cannot be used.
    public init(connectURI: String?) throws {
        if let uri = connectURI {
            connection = try LibvirtConnection.shared(uri)
        } else {
            connection = try LibvirtConnection.sharedDefault()
        }
        uri = connection.uri
    }

    /// The hypervisor's version (QEMU's, e.g. 7002022 for 7.2.22).
    public var hypervisorVersion: UInt { connection.hypervisorVersion() }

    /// Boots `spec` and waits for the domain to end or the timeout to pass.
    ///
    /// Blocks the calling thread for the whole boot (from async code, run it
    /// off the cooperative pool, e.g. on a `Thread`). Several boots may run at
    /// once from different threads; they share one libvirt connection.
    ///
    /// - Parameters:
    ///   - spec: what to boot; the domain is named `spec.name` plus a random
    ///     suffix.
    ///   - onConsoleLine: called on the calling thread with every console
    ///     line (without "\r\n") as soon as it is seen (50 ms polling).
    /// - Returns: the outcome; a guest failure (no EXIT line, panic, timeout)
    ///   is an outcome, not an error.
    /// - Throws: `LabError` if the domain cannot be started (bad XML, missing
    ///   files, unusable accelerator) or an overlay cannot be created.
    public func boot(_ spec: VMSpec, onConsoleLine: @Sendable (String) -> Void) throws -> VMOutcome {
        try boot(spec, machine: DomainXML.defaultMachine, onConsoleLine: onConsoleLine)
    }

    /// `boot` with a chosen machine type and CPU element (for experiments).
    func boot(_ spec: VMSpec, machine: String, cpuXML: String? = nil,
              onConsoleLine: @Sendable (String) -> Void) throws -> VMOutcome {
        let name = Self.domainName(spec.name)
        let fm = FileManager.default
        let logDir = spec.consoleLog.deletingLastPathComponent()
        try? fm.createDirectory(at: logDir, withIntermediateDirectories: true)
        for file in [spec.kernel, spec.initrd] + spec.disks.map(\.image)
            where LibvirtURI.isLocal(uri) && access(file.path, R_OK) != 0 {
            throw LabError("cannot read \(file.path): \(String(cString: strerror(errno)))")
        }

        // Throwaway overlays for snapshot disks.
        var disks: [VMDisk] = []
        var overlays: [URL] = []
        defer { for o in overlays { try? fm.removeItem(at: o) } }
        for (i, disk) in spec.disks.enumerated() {
            guard disk.snapshot else {
                disks.append(disk)
                continue
            }
            let overlay = logDir.appendingPathComponent("\(name)-\(DomainXML.deviceName(i)).qcow2")
            try Self.createOverlay(overlay, backing: disk.image, backingFormat: disk.format)
            overlays.append(overlay)
            disks.append(VMDisk(image: overlay, format: "qcow2", readOnly: disk.readOnly, snapshot: false))
        }

        let xml = DomainXML.render(spec, name: name, disks: disks, machine: machine, cpuXML: cpuXML)
        let clock = ContinuousClock()
        let t0 = clock.now
        guard let domain = virDomainCreateXML(connection.pointer, xml, 0) else {
            var why = Libvirt.lastError()
            // QEMU's own words, unless libvirt's message already quotes them.
            let said = (qemuLogTail(name) ?? []).filter { line in
                !why.contains(line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? line)
            }
            if !said.isEmpty { why += "\n  QEMU said:\n    " + said.joined(separator: "\n    ") }
            removeQEMULog(name)
            throw LabError("cannot start domain \(name) (\(spec.accelerator.rawValue)): \(why)",
                          hint: Self.startHint(why, accelerator: spec.accelerator))
        }
        let started = clock.now
        defer {
            var state: Int32 = 0
            var reason: Int32 = 0
            if virDomainGetState(domain, &state, &reason, 0) == 0,
               state != Int32(VIR_DOMAIN_SHUTOFF.rawValue) {
                _ = virDomainDestroy(domain)
            }
            virDomainFree(domain)
            self.removeQEMULog(name)
        }

        var scanner = ConsoleScanner()
        var bootToCommand: Duration?
        var timedOut = false
        var endSeen: ContinuousClock.Instant?
        let console = ConsoleFile(path: spec.consoleLog.path)
        defer { console.close() }

        func drain(final: Bool) {
            let bytes = console.readAvailable()
            var lines = scanner.feed(bytes)
            if final { lines += scanner.finish() }
            for line in lines {
                if bootToCommand == nil, ConsoleScanner.isBegin(line) {
                    bootToCommand = clock.now - started
                }
                onConsoleLine(line)
            }
        }

        while true {
            drain(final: false)
            if !Self.isRunning(domain) { break }
            let now = clock.now
            if now - t0 >= spec.timeout {
                _ = virDomainDestroy(domain)
                timedOut = true
                break
            }
            if endSeen == nil, scanner.exitStatus != nil || scanner.panicked { endSeen = now }
            if let e = endSeen, now - e >= Self.endGrace {
                _ = virDomainDestroy(domain)
                break
            }
            let c = Self.pollInterval.components
            Thread.sleep(forTimeInterval: Double(c.seconds) + Double(c.attoseconds) / 1e18)
        }
        let elapsed = clock.now - t0
        drain(final: true)

        return VMOutcome(exitStatus: scanner.exitStatus, panicked: scanner.panicked,
                         timedOut: timedOut, bootToCommand: bootToCommand, elapsed: elapsed,
                         consoleTail: scanner.tail, accelerator: spec.accelerator)
    }

    // MARK: - Helpers

    /// `<prefix>-<8 hex digits>`, prefix restricted to `[A-Za-z0-9._-]` and
    /// cut so the whole name stays short (it appears in socket paths).
    static func domainName(_ prefix: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var p = String(prefix.map { allowed.contains($0) ? $0 : "-" }.prefix(24))
        if p.isEmpty { p = "cosy" }
        return p + "-" + String(UInt32.random(in: 0 ... .max), radix: 16)
    }

    private static func isRunning(_ domain: virDomainPtr) -> Bool {
        var state: Int32 = 0
        var reason: Int32 = 0
        // A transient domain that ended is gone: the call fails.
        guard virDomainGetState(domain, &state, &reason, 0) == 0 else { return false }
        return state != Int32(VIR_DOMAIN_SHUTOFF.rawValue) && state != Int32(VIR_DOMAIN_CRASHED.rawValue)
    }

    private static func startHint(_ why: String, accelerator: Accelerator) -> String? {
        let m = why.lowercased()
        if accelerator == .kvm, m.contains("kvm") {
            return "KVM is not usable here; use --accel tcg (or auto)"
        }
        if m.contains("no emulator") || m.contains("qemu-system") {
            return "run ci/bootstrap (package qemu-system-x86)"
        }
        if m.contains("permission denied") {
            return "the hypervisor's QEMU must be able to read the kernel, initrd and disks and write the console log"
        }
        return nil
    }

    /// `qemu-img create -f qcow2 -b IMAGE -F FORMAT OVERLAY`.
    static func createOverlay(_ overlay: URL, backing: URL, backingFormat: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        if access("/usr/bin/qemu-img", X_OK) != 0 {
            throw LabError("qemu-img not found (needed for snapshot disks)",
                          hint: "run ci/bootstrap (package qemu-utils)")
        }
        p.arguments = ["create", "-q", "-f", "qcow2", "-b", backing.standardizedFileURL.path,
                       "-F", backingFormat, overlay.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let msg = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw LabError("qemu-img create of overlay \(overlay.path) failed: "
                          + String(decoding: msg, as: UTF8.self))
        }
    }

    /// The last lines QEMU wrote to its log (embedded driver only), without
    /// the command line libvirt logs first.
    private func qemuLogTail(_ name: String, lines: Int = 6) -> [String]? {
        guard let root = LibvirtURI.embeddedRoot(of: uri),
              let text = try? String(contentsOfFile: root + "/log/qemu/\(name).log", encoding: .utf8)
        else { return nil }
        let body = text.split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("-") && !$0.hasSuffix("\\") && !$0.contains("is tainted")
                && !$0.contains("starting up libvirt") && !$0.contains("shutting down, reason") }
        return body.isEmpty ? nil : Array(body.suffix(lines))
    }

    /// The embedded driver leaves `<root>/log/qemu/<name>.log` per domain.
    private func removeQEMULog(_ name: String) {
        guard let root = LibvirtURI.embeddedRoot(of: uri) else { return }
        unlink(root + "/log/qemu/\(name).log")
    }
}

/// Reads what was appended to the console file since the last call.
final class ConsoleFile {
    private let path: String
    private var fd: Int32 = -1

    init(path: String) { self.path = path }

    func readAvailable() -> [UInt8] {
        if fd < 0 {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { return [] }
        }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                out.append(contentsOf: buf[0..<n])
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return out
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
