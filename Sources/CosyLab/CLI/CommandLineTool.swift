import Foundation

/// A `cosy-lab` subcommand: its spec and what it does.
protocol Subcommand: Sendable {
    static var spec: CommandSpec { get }
    /// Runs with parsed options; returns the exit status.
    static func run(_ options: ParsedOptions, paths: () throws -> LabPaths) throws -> Int32
}

/// The `cosy-lab` command line: dispatches to the subcommands, maps errors
/// to messages and exit statuses (0 ok, 64 usage, 1 failure).
public enum CommandLineTool {
    static let subcommands: [any Subcommand.Type] = [
        BuildCommand.self, ImageCommand.self, RunCommand.self, BenchCommand.self, ReportCommand.self,
    ]

    public static let usageExit: Int32 = 64

    static var overview: String {
        var out = """
            OVERVIEW: Build, boot and benchmark Compound System Calls (Cosy) on Linux 6.12.

            USAGE: cosy-lab <subcommand> [<options>]

            OPTIONS:
              -h, --help              Show help information.

            SUBCOMMANDS:

            """
        for s in subcommands {
            let pad = String(repeating: " ", count: max(1, 22 - s.spec.name.count))
            out += "  \(s.spec.name)\(pad)\(s.spec.abstract)\n"
        }
        out += "\n  See 'cosy-lab help <subcommand>' for detailed help.\n"
        return out
    }

    /// Runs the tool; returns the process exit status.
    public static func main(arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            printError("Error: missing subcommand\nUsage: cosy-lab <subcommand> [<options>]\n  See 'cosy-lab --help'.")
            return usageExit
        }
        if first == "-h" || first == "--help" {
            print(overview, terminator: "")
            return 0
        }
        if first == "help" {
            if let name = arguments.dropFirst().first {
                guard let s = subcommands.first(where: { $0.spec.name == name }) else {
                    printError("Error: unknown subcommand '\(name)'\nUsage: cosy-lab help <subcommand>")
                    return usageExit
                }
                print(s.spec.help, terminator: "")
            } else {
                print(overview, terminator: "")
            }
            return 0
        }
        guard let command = subcommands.first(where: { $0.spec.name == first }) else {
            printError("Error: unknown subcommand '\(first)'\nUsage: cosy-lab <subcommand> [<options>]\n  See 'cosy-lab --help'.")
            return usageExit
        }
        do {
            let parsed = try command.spec.parse(Array(arguments.dropFirst()))
            if parsed.helpRequested {
                print(command.spec.help, terminator: "")
                return 0
            }
            return try command.run(parsed, paths: { try LabPaths.discover() })
        } catch let usage as UsageError {
            printError(usage.description)
            return usageExit
        } catch let error as LabError {
            printError("Error: \(error)")
            return 1
        } catch {
            printError("Error: \(error)")
            return 1
        }
    }
}

/// Options shared by every command that builds a kernel or boots a VM.
enum CommonOptions {
    static let kernel: [OptionSpec] = [
        OptionSpec("source", value: "dir", help: "Build this kernel tree instead of the pinned tarball."),
        OptionSpec("tarball", value: "path", help: "Kernel source tarball (default: /usr/src/linux-source-6.12.tar.xz)."),
        OptionSpec("flavour", value: "name", help: "Kernel build flavour (default: default).",
                   choices: KernelFlavour.allCases.map(\.rawValue)),
    ]

    static let vm: [OptionSpec] = [
        OptionSpec("kernel", value: "bzImage", help: "Boot this bzImage instead of the built one."),
        OptionSpec("connect", short: "c", value: "uri", help: "libvirt URI (default: the embedded QEMU driver, qemu:///embed?root=...)."),
        OptionSpec("accel", value: "name", help: "Accelerator; auto uses KVM only if a probe boot works (default: auto).",
                   choices: ["auto", "kvm", "tcg"]),
        OptionSpec("timeout", value: "seconds", help: "Hard timeout for the guest (default: 300)."),
        OptionSpec("memory", value: "MiB", help: "Guest memory (default: 1024)."),
        OptionSpec("verbose", short: "v", help: "Show kernel console lines too."),
    ]

    static func labOptions(_ o: ParsedOptions, usage: String) throws(UsageError) -> LabOptions {
        var lab = LabOptions()
        if o.value("source") != nil && o.value("tarball") != nil {
            throw UsageError(message: "use either --source or --tarball, not both", usage: usage)
        }
        if let s = o.value("source") { lab.source = .tree(URL(fileURLWithPath: s)) }
        if let t = o.value("tarball") { lab.source = .tarball(URL(fileURLWithPath: t)) }
        if let f = o.value("flavour") { lab.flavour = KernelFlavour(rawValue: f)! }
        if let k = o.value("kernel") { lab.kernelOverride = URL(fileURLWithPath: k) }
        lab.connectURI = o.value("connect")
        lab.accelerator = o.value("accel") ?? "auto"
        lab.timeout = .seconds(try o.integer("timeout", default: 300, in: 5...86_400, usage: usage))
        lab.memoryMiB = try o.integer("memory", default: 1024, in: 128...65_536, usage: usage)
        lab.verbose = o.flag("verbose")
        return lab
    }
}
