#if canImport(Glibc)
import Glibc
#endif

/// Minimal option parsing for the guest programs: `--name value`,
/// `--flag` and positionals. Errors print usage and exit 64.
public struct GuestOptions {
    public private(set) var values: [String: String] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positionals: [String] = []
    let usage: String

    /// Parses `arguments`; `valued` names the options that take a value.
    public init(_ arguments: [String], valued: Set<String>, flags known: Set<String>, usage: String) {
        self.usage = usage
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "-h" || a == "--help" {
                print(usage)
                exit(0)
            } else if a.hasPrefix("--") {
                let name = String(a.dropFirst(2))
                if valued.contains(name) {
                    guard i + 1 < arguments.count else { fail("option --\(name) needs a value") }
                    values[name] = arguments[i + 1]
                    i += 1
                } else if known.contains(name) {
                    flags.insert(name)
                } else {
                    fail("unknown option \(a)")
                }
            } else {
                positionals.append(a)
            }
            i += 1
        }
    }

    /// Prints `Error: message` and the usage to stderr, exits 64.
    public func fail(_ message: String) -> Never {
        var err = "Error: \(message)\n\(usage)\n"
        _ = err.withUTF8 { write(2, $0.baseAddress, $0.count) }
        exit(64)
    }

    /// An integer option with an optional K/M/G suffix (powers of 1024).
    public func size(_ name: String, default fallback: Int) -> Int {
        guard let text = values[name] else { return fallback }
        guard let v = parseSize(text) else { fail("--\(name): '\(text)' is not a size") }
        return v
    }

    public func string(_ name: String, default fallback: String) -> String {
        values[name] ?? fallback
    }
}

/// Parses `123`, `4K`, `64M`, `1G`.
public func parseSize(_ text: String) -> Int? {
    var digits = Substring(text)
    var scale = 1
    switch text.last {
    case "K", "k": scale = 1 << 10
    case "M", "m": scale = 1 << 20
    case "G", "g": scale = 1 << 30
    default: break
    }
    if scale != 1 { digits = digits.dropLast() }
    guard let n = Int(digits), n >= 0 else { return nil }
    let (v, overflow) = n.multipliedReportingOverflow(by: scale)
    return overflow ? nil : v
}

/// Writes `text` to `/proc/sys/vm/drop_caches` after `sync()`: the next
/// reads come from the disk (cold cache).
public func dropCaches() {
    sync()
    let fd = open("/proc/sys/vm/drop_caches", O_WRONLY)
    guard fd >= 0 else { return }
    _ = write(fd, "3\n", 2)
    close(fd)
}

/// Writes `message` and a newline to standard error.
public func printError(_ message: String) {
    var line = message + "\n"
    _ = line.withUTF8 { write(2, $0.baseAddress, $0.count) }
}
