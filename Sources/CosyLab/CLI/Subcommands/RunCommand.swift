import Foundation

/// `cosy-lab run [-- CMD ...]`: boot and run one command, vng-style.
enum RunCommand: Subcommand {
    static let spec = CommandSpec(
        name: "run", abstract: "Boot the patched kernel and run a command in the guest.",
        discussion: """
            Builds what is missing, boots the kernel with the initramfs and the data disk
            (mounted at /data) and runs CMD with busybox sh. The exit status is the guest
            command's. The console log is kept under the cache's runs/ folder.

            EXAMPLES:
              cosy-lab run -- uname -r
              cosy-lab run -- cosy_test
              cosy-lab run -- cosy-copy --config van,cosy /data/copy/src /data/copy/dst
            """,
        options: CommonOptions.kernel + CommonOptions.vm + [
            OptionSpec("dry-run", help: "Print what would be booted, without booting."),
        ],
        passthrough: "command ...")

    static func run(_ o: ParsedOptions, paths: () throws -> LabPaths) throws -> Int32 {
        let options = try CommonOptions.labOptions(o, usage: spec.usageLine)
        let command = guestCommand(o.passthrough)
        let progress = ProgressReporter()
        let lab = Lab(paths: try paths(), options: options, progress: progress)

        if o.flag("dry-run") {
            let key = try lab.kernelBuilder.cacheKey()
            let cached = try lab.kernelBuilder.cached() != nil
            print("kernel:   \(key.prefix(16)) (\(cached ? "cached" : "would be built"))")
            print("command:  \(command)")
            print("cmdline:  \(Lab.cmdline(command: command))")
            print("libvirt:  \(options.connectURI ?? LibvirtURI.defaultURI() + " (embedded; a root busy in another process falls back to a sibling)")")
            print("accel:    \(options.accelerator), timeout \(options.timeout)")
            return 0
        }

        let guest = try lab.prepare()
        let runDir = try lab.newRunDirectory("run")
        let log = runDir.appendingPathComponent("console.log")
        progress.stage("boot: \(guest.kernel.release) on \(guest.accelerator.rawValue); console: \(log.path)")
        let echo = ConsoleEcho(verbose: options.verbose)
        let outcome = try lab.boot(guest, command: command, consoleLog: log) { echo.handle($0) }
        if let boot = outcome.bootToCommand {
            progress.stage("boot: guest reached the command after \(formatSeconds(boot.seconds)); finished in \(formatSeconds(outcome.elapsed.seconds))")
        }
        if let failure = Lab.failure(outcome, consoleLog: log) { throw failure }
        return outcome.exitStatus!
    }
}

/// Prints the guest command's output (the lines between the BEGIN and
/// EXIT markers) to stdout; kernel lines only with --verbose (to stderr).
final class ConsoleEcho: @unchecked Sendable {
    let verbose: Bool
    private var inCommand = false
    private let lock = NSLock()

    init(verbose: Bool) { self.verbose = verbose }

    func handle(_ line: String) {
        lock.withLock {
            if ConsoleScanner.isBegin(line) {
                inCommand = true
            } else if ConsoleScanner.parseExit(line) != nil {
                inCommand = false
            } else if inCommand {
                print(line)
                fflush(nil)
            } else if verbose {
                printError("[guest] \(line)")
            }
        }
    }
}

/// The shell command line for `run -- ARGS`: one argument is a command line
/// of its own (`run -- 'a | b'`, as ssh does); several are words, quoted.
func guestCommand(_ args: [String]) -> String {
    switch args.count {
    case 0: "uname -a"
    case 1: args[0]
    default: args.map(shellQuote).joined(separator: " ")
    }
}

/// Quotes `word` for sh unless it is plainly safe.
func shellQuote(_ word: String) -> String {
    let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
    if safe && !word.isEmpty { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
