// The libvirt C API, wrapped: connection URIs, the embedded driver's root and
// qemu.conf, the event loop it needs, and error messages that say what to do.

import CLibvirt
import Foundation

enum Libvirt {
    /// The message of the calling thread's last libvirt error.
    static func lastError() -> String {
        if let p = virGetLastErrorMessage() { return String(cString: p) }
        return "unknown libvirt error"
    }

    /// `virInitialize`, a silent error callback (errors are reported through
    /// `LabError`, not printed to stderr), and — for embedded URIs — the default
    /// event loop plus a thread that runs it. Done once per process.
    /// Runs the one-time setup (a bare `_ = initialized` may be dropped by
    /// the compiler, so callers use this).
    static func initialize() {
        if !initialized { fatalError("unreachable: libvirt setup returns true") }
    }

    private static let initialized: Bool = {
        _ = virInitialize()
        virSetErrorFunc(nil) { _, _ in }
        quietLogging()
        return true
    }()

    /// libvirt logs warnings ("tainted: high-privileges", "security driver
    /// none", ...) to stderr by default. Unless the user set
    /// LIBVIRT_LOG_OUTPUTS, send warnings and errors to
    /// `<embedded root>/log/libvirt.log` instead.
    ///
    /// libguestfs's library constructor already ran `virInitialize` (which
    /// reads the environment) before any of our code, so setting the variable
    /// is not enough: libvirt's exported-but-private `virLogSetFromEnv` is
    /// looked up with dlsym and run again. Without that symbol, the warnings
    /// just stay on stderr.
    private static func quietLogging() {
        guard getenv("LIBVIRT_LOG_OUTPUTS") == nil else { return }
        let dir = LibvirtURI.embeddedRoot().path + "/log"
        guard (try? FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true)) != nil else { return }
        setenv("LIBVIRT_LOG_OUTPUTS", "3:file:\(dir)/libvirt.log", 0)
        typealias SetFromEnv = @convention(c) () -> Int32
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "virLogSetFromEnv") {
            _ = unsafeBitCast(sym, to: SetFromEnv.self)()
        }
    }

    static let eventLoopRunning: Bool = {
        initialize()
        guard virEventRegisterDefaultImpl() == 0 else { return false }
        let thread = Thread {
            while true {
                if virEventRunDefaultImpl() < 0 { usleep(10_000) }
            }
        }
        thread.name = "libvirt-event-loop"
        thread.start()
        return true
    }()
}

/// Connection URIs, the default embedded root, and its qemu.conf.
public enum LibvirtURI {
    /// `qemu:///embed?root=<root>` for `embeddedRoot()`.
    public static func defaultURI() -> String {
        "qemu:///embed?root=" + embeddedRoot().path
    }

    /// `$XDG_CACHE_HOME/cosy-lab/v` (or `~/.cache/cosy-lab/v`); if that is
    /// too long for the UNIX sockets QEMU's monitor uses below it (108 bytes
    /// including what libvirt appends), `/tmp/cosy-lab-<uid>/v`.
    public static func embeddedRoot(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> URL
    {
        let cache: String
        if let x = environment["XDG_CACHE_HOME"], x.hasPrefix("/") {
            cache = x
        } else {
            cache = (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        }
        let preferred = cache + "/cosy-lab/v"
        // libvirt puts the monitor socket at
        // <root>/lib/qemu/domain-<id>-<name>/monitor.sock, the name cut to 20
        // characters: about 60 bytes after the root.
        if preferred.utf8.count <= 48 { return URL(fileURLWithPath: preferred) }
        return URL(fileURLWithPath: "/tmp/cosy-lab-\(getuid())/v")
    }

    /// The root directory of an embedded URI, or nil for any other URI.
    public static func embeddedRoot(of uri: String) -> String? {
        guard let c = URLComponents(string: uri), c.path == "/embed",
              c.scheme?.hasPrefix("qemu") == true,
              let root = c.queryItems?.first(where: { $0.name == "root" })?.value
        else { return nil }
        return root
    }

    /// True if another process holds the embedded driver's lock on `root`
    /// (`<root>/run/qemu/driver.pid`, an fcntl lock on its first byte).
    public static func isBusy(embeddedRoot root: String) -> Bool {
        let fd = open(root + "/run/qemu/driver.pid", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var fl = flock()
        fl.l_type = Int16(F_WRLCK)
        fl.l_whence = Int16(SEEK_SET)
        fl.l_start = 0
        fl.l_len = 1
        guard fcntl(fd, F_GETLK, &fl) == 0 else { return false }
        return fl.l_type != Int16(F_UNLCK)
    }

    /// True for URIs served on this host (no `+transport`, no host name).
    public static func isLocal(_ uri: String) -> Bool {
        guard let c = URLComponents(string: uri), let scheme = c.scheme else { return true }
        return !scheme.contains("+") && (c.host ?? "").isEmpty
    }

    /// The qemu.conf for an embedded driver. QEMU runs as the calling user
    /// (root here), writes its stdout/stderr log straight to a file (there is
    /// no virtlogd in embedded mode), no SELinux/AppArmor labelling is done and
    /// libvirt does not chown the files it hands to QEMU.
    public static func qemuConf(uid: uid_t = getuid()) -> String {
        var s = "# Written by cosy-lab for its embedded libvirt QEMU driver.\n"
        if uid == 0 {
            s += "user = \"root\"\ngroup = \"root\"\n"
        }
        s += "stdio_handler = \"file\"\nsecurity_driver = \"none\"\n"
        // Leave file ownership alone (no chown of kernels and images, no
        // trusted.libvirt.security.* xattrs on them).
        s += "dynamic_ownership = 0\nremember_owner = 0\n"
        return s
    }

    /// Where the embedded driver reads qemu.conf: `<root>/etc/qemu.conf`.
    public static func qemuConfPath(root: String) -> String {
        root + "/etc/qemu.conf"
    }
}

/// An open libvirt connection. Connections are shared per URI within the
/// process (an embedded root can only be opened by one process and libvirt
/// connections are thread-safe) and stay open until the process exits.
final class LibvirtConnection: @unchecked Sendable {
    let uri: String
    let pointer: virConnectPtr

    private init(uri: String, pointer: virConnectPtr) {
        self.uri = uri
        self.pointer = pointer
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var open: [String: LibvirtConnection] = [:]

    static func shared(_ uri: String) throws -> LibvirtConnection {
        lock.lock()
        defer { lock.unlock() }
        if let c = open[uri] { return c }
        let c = try connect(uri)
        open[uri] = c
        return c
    }

    /// The default embedded driver. An embedded root can be used by one
    /// process at a time (libvirt locks `<root>/run/qemu/driver.pid`), and a
    /// process whose first embedded open failed cannot try another root, so
    /// the lock is tested first: if another process holds `.../v`, the first
    /// free of `.../v1` ... `.../v7` is used (a fixed set, so their capability
    /// caches are reused and nothing piles up).
    static func sharedDefault() throws -> LibvirtConnection {
        lock.lock()
        defer { lock.unlock() }
        if let c = open[""] { return c }
        let base = LibvirtURI.embeddedRoot().path
        let slots = ["", "1", "2", "3", "4", "5", "6", "7"].map { base + $0 }
        guard let root = slots.first(where: { !LibvirtURI.isBusy(embeddedRoot: $0) }) else {
            throw LabError("all embedded libvirt roots \(base){,1..7} are in use by other processes",
                           hint: "wait for the other cosy-lab runs, or pass --connect qemu:///embed?root=<short dir>")
        }
        let uri = "qemu:///embed?root=" + root
        let c = try open[uri] ?? connect(uri)
        open[""] = c
        open[uri] = c
        return c
    }

    private static func connect(_ uri: String) throws -> LibvirtConnection {
        Libvirt.initialize()
        let embedRoot = LibvirtURI.embeddedRoot(of: uri)
        if let root = embedRoot {
            try preflightEmbedded(root: root)
            guard Libvirt.eventLoopRunning else {
                throw LabError("virEventRegisterDefaultImpl failed: \(Libvirt.lastError())")
            }
        }
        guard let p = virConnectOpen(uri) else {
            let why = Libvirt.lastError()
            throw LabError("cannot connect to libvirt at \(uri): \(why)", hint: hint(for: why, uri: uri))
        }
        return LibvirtConnection(uri: uri, pointer: p)
    }

    /// Checks what the embedded QEMU driver needs, and writes its qemu.conf.
    private static func preflightEmbedded(root: String) throws {
        if root.utf8.count > 48 {
            throw LabError("the embedded libvirt root \(root) is too long for QEMU's UNIX sockets",
                          hint: "use a root of at most 48 bytes, e.g. /tmp/cosy-lab-\(getuid())/v")
        }
        let driverDirs = ["/usr/lib/x86_64-linux-gnu/libvirt/connection-driver",
                          "/usr/lib64/libvirt/connection-driver", "/usr/lib/libvirt/connection-driver"]
        if !driverDirs.contains(where: { access($0 + "/libvirt_driver_qemu.so", R_OK) == 0 }) {
            throw LabError("libvirt's QEMU driver (libvirt_driver_qemu.so) is missing",
                          hint: "run ci/bootstrap (package libvirt-daemon-driver-qemu)")
        }
        if findQEMU() == nil {
            throw LabError("qemu-system-x86_64 not found",
                          hint: "run ci/bootstrap (package qemu-system-x86)")
        }
        if getpwnam("libvirt-qemu") == nil {
            throw LabError("user libvirt-qemu does not exist (Debian's libvirt QEMU driver needs it)",
                          hint: "run ci/bootstrap (package libvirt-daemon-system)")
        }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
            let conf = LibvirtURI.qemuConf()
            let path = LibvirtURI.qemuConfPath(root: root)
            if (try? String(contentsOfFile: path, encoding: .utf8)) != conf {
                try conf.write(toFile: path, atomically: true, encoding: .utf8)
            }
        } catch {
            throw LabError("cannot write the embedded libvirt configuration under \(root): \(error)")
        }
    }

    static func findQEMU() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/libexec"] {
            let p = dir + "/qemu-system-x86_64"
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    private static func hint(for message: String, uri: String) -> String? {
        let m = message.lowercased()
        if m.contains("no connection driver") || m.contains("driver_qemu") {
            return "run ci/bootstrap (package libvirt-daemon-driver-qemu)"
        }
        if m.contains("qemu-system") || m.contains("no emulator") || m.contains("cannot find") {
            return "run ci/bootstrap (package qemu-system-x86)"
        }
        if m.contains("libvirt-qemu") {
            return "run ci/bootstrap (package libvirt-daemon-system)"
        }
        if m.contains("lock") || m.contains("resource temporarily unavailable") || m.contains("in use") {
            if let root = LibvirtURI.embeddedRoot(of: uri) {
                return "another process uses the embedded root \(root); wait for it, or pass --connect qemu:///embed?root=<other short dir>"
            }
        }
        if m.contains("socket") || m.contains("no such file") {
            return "is libvirtd (or virtqemud) running for \(uri)? Or use the default embedded driver (omit --connect)"
        }
        return nil
    }

    /// `virConnectGetVersion`: the hypervisor (QEMU) version as major*1e6+minor*1e3+micro.
    func hypervisorVersion() -> UInt {
        var v: UInt = 0
        _ = virConnectGetVersion(pointer, &v)
        return v
    }
}
