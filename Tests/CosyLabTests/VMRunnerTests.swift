import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Synchronization
import Testing
import _CosyLabTestSupport

@testable import CosyLab

// MARK: - Unit tests (no libvirt)

@Suite struct VMDomainXMLTests {
    func spec(_ accel: Accelerator) -> VMSpec {
        VMSpec(name: "t<&>'\"", kernel: URL(fileURLWithPath: "/k/bz Image"),
               initrd: URL(fileURLWithPath: "/k/initrd&.cpio"),
               cmdline: "console=ttyS0 panic=-1 cosy.cmd='a<b'",
               disks: [VMDisk(image: URL(fileURLWithPath: "/d/data.img"), format: "raw", readOnly: true),
                       VMDisk(image: URL(fileURLWithPath: "/d/o.qcow2"), format: "qcow2")],
               memoryMiB: 512, vcpus: 2, accelerator: accel,
               consoleLog: URL(fileURLWithPath: "/r/console.log"), timeout: .seconds(5))
    }

    @Test func tcgDomain() {
        let x = DomainXML.render(spec(.tcg), name: "cosy-1234")
        #expect(x.hasPrefix("<domain type='qemu'>"))
        #expect(x.contains("<name>cosy-1234</name>"))
        #expect(x.contains("<memory unit='MiB'>512</memory>"))
        #expect(x.contains("<vcpu>2</vcpu>"))
        #expect(x.contains("<type arch='x86_64' machine='q35'>hvm</type>"))
        #expect(x.contains("<kernel>/k/bz Image</kernel>"))
        #expect(x.contains("<initrd>/k/initrd&amp;.cpio</initrd>"))
        #expect(x.contains("<cmdline>console=ttyS0 panic=-1 cosy.cmd=&apos;a&lt;b&apos;</cmdline>"))
        #expect(x.contains("<cpu mode='maximum' migratable='off'/>"))
        for e in ["poweroff", "reboot", "crash"] {
            #expect(x.contains("<on_\(e)>destroy</on_\(e)>"))
        }
        #expect(x.contains("<driver name='qemu' type='raw'/>"))
        #expect(x.contains("<source file='/d/data.img'/>"))
        #expect(x.contains("<target dev='vda' bus='virtio'/>\n      <readonly/>"))
        #expect(x.contains("<driver name='qemu' type='qcow2'/>"))
        #expect(x.contains("<target dev='vdb' bus='virtio'/>\n    </disk>"))
        #expect(x.contains("<serial type='file'>\n      <source path='/r/console.log' append='off'/>"))
        #expect(x.contains("<console type='file'>"))
        #expect(x.contains("<memballoon model='none'/>"))
        #expect(!x.contains("graphics"))
        #expect(!x.contains("interface"))
    }

    @Test func kvmDomainAndNameEscaping() {
        let x = DomainXML.render(spec(.kvm))
        #expect(x.hasPrefix("<domain type='kvm'>"))
        #expect(x.contains("<cpu mode='host-passthrough'/>"))
        #expect(x.contains("<name>t&lt;&amp;&gt;&apos;&quot;</name>"))
        // Well-formed XML.
        #expect((try? XMLDocument(xmlString: x)) != nil)
    }

    @Test func deviceNames() {
        #expect((0..<3).map(DomainXML.deviceName) == ["vda", "vdb", "vdc"])
        #expect(DomainXML.deviceName(25) == "vdz")
        #expect(DomainXML.deviceName(26) == "vdaa")
    }

    @Test func domainNamesAreUniqueAndSafe() {
        let a = VMRunner.domainName("bench run/1")
        let b = VMRunner.domainName("bench run/1")
        #expect(a != b)
        #expect(a.hasPrefix("bench-run-1-"))
        #expect(a.allSatisfy { $0.isLetter || $0.isNumber || "-._".contains($0) })
    }

    @Test func embeddedRootAndURI() {
        #expect(LibvirtURI.embeddedRoot(environment: ["HOME": "/root"]).path == "/root/.cache/cosy-lab/v")
        #expect(LibvirtURI.embeddedRoot(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/root"]).path
            == "/c/cosy-lab/v")
        let long = "/home/" + String(repeating: "x", count: 60)
        #expect(LibvirtURI.embeddedRoot(environment: ["HOME": long]).path == "/tmp/cosy-lab-\(getuid())/v")
        #expect(LibvirtURI.embeddedRoot(of: "qemu:///embed?root=/tmp/x/v") == "/tmp/x/v")
        #expect(LibvirtURI.embeddedRoot(of: "qemu:///system") == nil)
        #expect(LibvirtURI.isLocal("qemu:///system"))
        #expect(!LibvirtURI.isLocal("qemu+ssh://host/system"))
        #expect(LibvirtURI.qemuConfPath(root: "/r") == "/r/etc/qemu.conf")
        let conf = LibvirtURI.qemuConf(uid: 0)
        #expect(conf.contains("user = \"root\"\ngroup = \"root\"\n"))
        #expect(conf.contains("stdio_handler = \"file\""))
        #expect(conf.contains("security_driver = \"none\""))
        #expect(!LibvirtURI.qemuConf(uid: 1000).contains("user ="))
    }
}

@Suite struct VMConsoleScannerTests {
    @Test func markersAndLines() {
        var s = ConsoleScanner(tailLimit: 3)
        var lines = s.feed(Array("\0boot\r\nCOSY-LAB-BEGIN\r\nhel".utf8))
        #expect(lines == ["boot", "COSY-LAB-BEGIN"])
        #expect(s.sawBegin)
        lines = s.feed(Array("lo\nCOSY-LAB-EXIT 3\r\n[  1.0] reboot: Restarting".utf8))
        #expect(lines == ["hello", "COSY-LAB-EXIT 3"])
        #expect(s.exitStatus == 3)
        #expect(s.finish() == ["[  1.0] reboot: Restarting"])
        #expect(s.tail == ["hello", "COSY-LAB-EXIT 3", "[  1.0] reboot: Restarting"])
        #expect(!s.panicked)
    }

    @Test func exitParsingAndPanic() {
        #expect(ConsoleScanner.parseExit("COSY-LAB-EXIT 0") == 0)
        #expect(ConsoleScanner.parseExit("[ 3.1] x COSY-LAB-EXIT 255") == 255)
        #expect(ConsoleScanner.parseExit("COSY-LAB-EXIT -1") == -1)
        #expect(ConsoleScanner.parseExit("COSY-LAB-EXIT") == nil)
        #expect(ConsoleScanner.parseExit("COSY-LAB-EXIT x") == nil)
        var s = ConsoleScanner()
        _ = s.feed(Array("[ 2.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\n".utf8))
        #expect(s.panicked)
        #expect(s.exitStatus == nil)
    }
}

// MARK: - Real boots through the embedded libvirt QEMU driver, under TCG

/// A Debian kernel plus busybox initramfs with a chosen /init.
enum VMFixture {
    static let dir: URL = {
        let d = URL(fileURLWithPath: "/tmp/cosy-vm-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    /// The newest /boot/vmlinuz-*; the failure names the package.
    static func kernel() throws -> URL {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
        guard let k = names.filter({ $0.hasPrefix("vmlinuz-") }).sorted().last else {
            throw LabError("no kernel in /boot/vmlinuz-*",
                           hint: "run ci/bootstrap (package linux-image-amd64)")
        }
        return URL(fileURLWithPath: "/boot/" + k)
    }

    /// An initramfs: /bin/busybox, applet symlinks, /dev/console, /init.
    static func initramfs(named name: String, commands: String) throws -> URL {
        guard access("/bin/busybox", R_OK) == 0 else {
            throw LabError("/bin/busybox is missing", hint: "run ci/bootstrap (package busybox-static)")
        }
        var a = CpioArchive()
        for d in ["proc", "sys", "dev", "tmp"] { a.addDirectory(d) }
        a.addCharacterDevice("dev/console", major: 5, minor: 1)
        try a.addFile("bin/busybox", from: URL(fileURLWithPath: "/bin/busybox"), mode: 0o755)
        for applet in ["sh", "mount", "echo", "reboot", "sleep", "cat", "grep", "true"] {
            a.addSymlink("bin/\(applet)", target: "busybox")
        }
        a.addFile("init", text: """
            #!/bin/sh
            export PATH=/bin
            mount -t proc proc /proc
            mount -t sysfs sys /sys
            \(commands)

            """, mode: 0o755)
        let url = dir.appendingPathComponent("\(name).cpio")
        try a.write(to: url)
        return url
    }

    /// Runs `command` between the protocol markers.
    static func protocolInit(_ command: String) -> String {
        """
        if grep -q cosy.probe=1 /proc/cmdline; then
            echo COSY-LAB-BEGIN; true; echo "COSY-LAB-EXIT $?"; reboot -f
        fi
        echo COSY-LAB-BEGIN
        sh -c '\(command)'
        echo "COSY-LAB-EXIT $?"
        reboot -f
        """
    }

    static func spec(_ name: String, initrd: URL, timeout: Duration = .seconds(120),
                     disks: [VMDisk] = [], machineCmdline: String = "") throws -> VMSpec {
        VMSpec(name: "test-\(name)", kernel: try kernel(), initrd: initrd,
               cmdline: "console=ttyS0 panic=-1 loglevel=4 \(machineCmdline)", disks: disks,
               memoryMiB: 512, vcpus: 1, accelerator: .tcg,
               consoleLog: dir.appendingPathComponent("\(name).console"), timeout: timeout)
    }
}

/// Collects streamed lines with the time each arrived.
final class LineLog: Sendable {
    private let lines = Mutex<[(ContinuousClock.Instant, String)]>([])
    func append(_ line: String) { lines.withLock { $0.append((ContinuousClock.now, line)) } }
    var all: [String] { lines.withLock { $0.map(\.1) } }
    func arrival(of text: String) -> ContinuousClock.Instant? {
        lines.withLock { $0.first { $0.1.contains(text) }?.0 }
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct VMRunnerBootTests {
    @Test func bootRunsCommandAndReportsExitStatus() throws {
        let initrd = try VMFixture.initramfs(
            named: "exit3", commands: VMFixture.protocolInit("echo hello; echo world; exit 3"))
        // A snapshot disk: the runner boots an overlay, the image stays as is.
        let image = VMFixture.dir.appendingPathComponent("scratch.img")
        try Data(repeating: 0xAB, count: 1 << 20).write(to: image)
        let before = try Data(contentsOf: image)
        let spec = try VMFixture.spec(
            "exit3", initrd: initrd,
            disks: [VMDisk(image: image, format: "raw", readOnly: false, snapshot: true)])

        let runner = try VMRunner(connectURI: nil)
        let log = LineLog()
        let outcome = try withExclusiveVM { try runner.boot(spec) { log.append($0) } }
        print("exit3 boot: bootToCommand=\(outcome.bootToCommand.map { "\($0)" } ?? "nil") elapsed=\(outcome.elapsed)")

        #expect(outcome.exitStatus == 3, "console tail:\n\(outcome.consoleTail.joined(separator: "\n"))")
        #expect(!outcome.timedOut)
        #expect(!outcome.panicked)
        #expect(outcome.bootToCommand != nil)
        #expect(outcome.accelerator == .tcg)
        let lines = log.all
        let begin = try #require(lines.firstIndex(of: "COSY-LAB-BEGIN"))
        #expect(Array(lines[(begin + 1)...].prefix(3)) == ["hello", "world", "COSY-LAB-EXIT 3"])
        #expect(lines.allSatisfy { !$0.hasSuffix("\r") && !$0.contains("\n") })
        // Every console line was streamed, and the log file is kept.
        let file = try String(contentsOf: spec.consoleLog, encoding: .utf8)
        #expect(file.contains("COSY-LAB-EXIT 3"))
        #expect(try Data(contentsOf: image) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: VMFixture.dir.path)
            .filter { $0.hasSuffix(".qcow2") }
        #expect(leftovers.isEmpty, "overlays left behind: \(leftovers)")
    }

    @Test func hungGuestIsKilledAtTimeout() throws {
        let initrd = try VMFixture.initramfs(named: "hang", commands: """
            echo COSY-LAB-BEGIN
            sleep 100000
            """)
        let spec = try VMFixture.spec("hang", initrd: initrd, timeout: .seconds(20))
        let runner = try VMRunner(connectURI: nil)
        let log = LineLog()
        let start = ContinuousClock.now
        let outcome = try withExclusiveVM { try runner.boot(spec) { log.append($0) } }
        let end = ContinuousClock.now
        print("hang boot: bootToCommand=\(outcome.bootToCommand.map { "\($0)" } ?? "nil") elapsed=\(outcome.elapsed)")

        #expect(outcome.timedOut)
        #expect(outcome.exitStatus == nil)
        #expect(outcome.elapsed >= .seconds(20) && outcome.elapsed < .seconds(25))
        // BEGIN was streamed while the guest was still running.
        let begin = try #require(log.arrival(of: "COSY-LAB-BEGIN"),
                                 "guest never reached init: \(outcome.consoleTail)")
        #expect(end - begin > .seconds(2))
        #expect(begin > start)
    }

    @Test func kernelPanicIsDetected() throws {
        // PID 1 exiting makes the kernel panic ("Attempted to kill init").
        let initrd = try VMFixture.initramfs(named: "panic", commands: """
            echo COSY-LAB-BEGIN
            exit 0
            """)
        let spec = try VMFixture.spec("panic", initrd: initrd, timeout: .seconds(120))
        let runner = try VMRunner(connectURI: nil)
        let outcome = try withExclusiveVM { try runner.boot(spec) { _ in } }
        print("panic boot: elapsed=\(outcome.elapsed)")

        #expect(outcome.panicked, "console tail:\n\(outcome.consoleTail.joined(separator: "\n"))")
        #expect(outcome.exitStatus == nil)
        #expect(!outcome.timedOut)
        #expect(outcome.elapsed < .seconds(60)) // panic=-1 ended it, not the timeout
    }

    @Test func acceleratorChoice() throws {
        let initrd = try VMFixture.initramfs(named: "probe", commands: VMFixture.protocolInit("true"))
        let kernel = try VMFixture.kernel()
        let cache = VMFixture.dir.appendingPathComponent("probe-cache")
        #expect(try AcceleratorProbe.choose(connectURI: nil, kernel: kernel, initrd: initrd,
                                            cacheDir: cache, requested: "tcg") == .tcg)
        #expect(throws: LabError.self) {
            try AcceleratorProbe.choose(connectURI: nil, kernel: kernel, initrd: initrd,
                                        cacheDir: cache, requested: "fast")
        }
        let start = ContinuousClock.now
        let auto = try AcceleratorProbe.choose(connectURI: nil, kernel: kernel, initrd: initrd,
                                               cacheDir: cache, requested: "auto")
        let first = ContinuousClock.now - start
        print("accelerator probe: \(auto) in \(first)")
        if access("/dev/kvm", F_OK) != 0 { #expect(auto == .tcg) }
        if auto == .kvm {
            // The probe said KVM works: a KVM boot must then succeed.
            var spec = try VMFixture.spec("probe-kvm", initrd: initrd, timeout: .seconds(60))
            spec.accelerator = .kvm
            let outcome = try withExclusiveVM { try VMRunner(connectURI: nil).boot(spec) { _ in } }
            #expect(outcome.exitStatus == 0)
        }
        // The second call is answered from the cache, without a boot.
        let again = ContinuousClock.now
        #expect(try AcceleratorProbe.choose(connectURI: nil, kernel: kernel, initrd: initrd,
                                            cacheDir: cache, requested: "auto") == auto)
        #expect(ContinuousClock.now - again < .seconds(2))
    }
}

/// The same boot through another libvirt URI (e.g. COSY_TEST_CONNECT=qemu:///system
/// with libvirtd running). Off by default: the default embedded driver is what
/// the lab uses, and the suites above already exercise it.
@Suite(.serialized, .timeLimit(.minutes(5)),
       .enabled(if: ProcessInfo.processInfo.environment["COSY_TEST_CONNECT"] != nil))
struct VMRunnerOtherURITests {
    @Test func bootThroughConfiguredURI() throws {
        let uri = ProcessInfo.processInfo.environment["COSY_TEST_CONNECT"]!
        let initrd = try VMFixture.initramfs(
            named: "uri-exit7", commands: VMFixture.protocolInit("echo via-daemon; exit 7"))
        let spec = try VMFixture.spec("uri-exit7", initrd: initrd)
        let log = LineLog()
        let outcome = try withExclusiveVM { try VMRunner(connectURI: uri).boot(spec) { log.append($0) } }
        print("\(uri) boot: bootToCommand=\(outcome.bootToCommand.map { "\($0)" } ?? "nil") elapsed=\(outcome.elapsed)")
        #expect(outcome.exitStatus == 7, "console tail:\n\(outcome.consoleTail.joined(separator: "\n"))")
        #expect(log.all.contains("via-daemon"))
    }
}
