import GuestKit

/// One option of a subcommand: `--name VALUE` or the flag `--name`.
public struct OptionSpec: Sendable {
    public var name: String
    public var short: Character?
    /// The value's placeholder in help; nil for a flag.
    public var valueName: String?
    public var help: String
    /// Allowed values, checked before any work starts.
    public var choices: [String]?

    public init(
        _ name: String, short: Character? = nil, value: String? = nil, help: String,
        choices: [String]? = nil
    ) {
        self.name = name
        self.short = short
        self.valueName = value
        self.help = help
        self.choices = choices
    }

    var isFlag: Bool { valueName == nil }
}

/// What a subcommand accepts, and its help text.
public struct CommandSpec: Sendable {
    public var name: String
    public var abstract: String
    public var discussion: String = ""
    public var options: [OptionSpec]
    /// Positional arguments' name for the usage line (nil: none allowed).
    public var positionals: String? = nil
    /// Whether `-- CMD ...` is accepted.
    public var passthrough: String? = nil

    var usageLine: String {
        var parts = ["cosy-lab", name]
        if !options.isEmpty { parts.append("[<options>]") }
        if let p = positionals { parts.append(p) }
        if let p = passthrough { parts.append("[-- \(p)]") }
        return parts.joined(separator: " ")
    }

    /// `OVERVIEW:` / `USAGE:` / `OPTIONS:` help, argument-parser style.
    public var help: String {
        var out = "OVERVIEW: \(abstract)\n"
        if !discussion.isEmpty { out += "\n\(discussion)\n" }
        out += "\nUSAGE: \(usageLine)\n\nOPTIONS:\n"
        var rows: [(String, String)] = []
        for o in options {
            var left = o.short.map { "-\($0), " } ?? ""
            left += "--\(o.name)"
            if let v = o.valueName { left += " <\(v)>" }
            var right = o.help
            if let c = o.choices { right += " (\(c.joined(separator: "|")))" }
            rows.append((left, right))
        }
        rows.append(("-h, --help", "Show help information."))
        let width = min(34, rows.map(\.0.count).max() ?? 0)
        for (l, r) in rows {
            let pad = l.count <= width ? String(repeating: " ", count: width - l.count) : "\n" + String(repeating: " ", count: width + 2)
            out += "  \(l)\(pad)  \(r)\n"
        }
        return out
    }
}

/// The parsed command line of one subcommand.
public struct ParsedOptions: Sendable {
    public var values: [String: String] = [:]
    public var flags: Set<String> = []
    public var positionals: [String] = []
    public var passthrough: [String] = []
    public var helpRequested = false

    public func value(_ name: String) -> String? { values[name] }
    public func flag(_ name: String) -> Bool { flags.contains(name) }
}

/// A bad command line: printed with the usage line, exit status 64.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var usage: String
    public var description: String { "Error: \(message)\nUsage: \(usage)\n  See 'cosy-lab \(usage.split(separator: " ").dropFirst().first ?? "") --help'." }
}

extension CommandSpec {
    /// Parses `arguments` against this spec. Unknown options, missing
    /// values, bad choices and unexpected positionals are usage errors.
    public func parse(_ arguments: [String]) throws(UsageError) -> ParsedOptions {
        var parsed = ParsedOptions()
        var i = 0
        func fail(_ message: String) -> UsageError { UsageError(message: message, usage: usageLine) }
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if arg == "--" {
                guard passthrough != nil else { throw fail("this command takes no '-- COMMAND'") }
                parsed.passthrough = Array(arguments[i...])
                break
            }
            if arg == "-h" || arg == "--help" {
                parsed.helpRequested = true
                continue
            }
            var option: OptionSpec?
            var inlineValue: String?
            if arg.hasPrefix("--") {
                var name = String(arg.dropFirst(2))
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                option = options.first { $0.name == name }
                if option == nil { throw fail("unknown option '--\(name)'") }
            } else if arg.hasPrefix("-") && arg.count == 2 {
                option = options.first { $0.short == arg.last }
                if option == nil { throw fail("unknown option '\(arg)'") }
            } else {
                guard positionals != nil else { throw fail("unexpected argument '\(arg)'") }
                parsed.positionals.append(arg)
                continue
            }
            let o = option!
            if o.isFlag {
                if inlineValue != nil { throw fail("option '--\(o.name)' takes no value") }
                parsed.flags.insert(o.name)
                continue
            }
            let value: String
            if let v = inlineValue {
                value = v
            } else {
                guard i < arguments.count else { throw fail("option '--\(o.name)' needs a value <\(o.valueName!)>") }
                value = arguments[i]
                i += 1
            }
            if let choices = o.choices, !choices.contains(value) {
                throw fail("'\(value)' is not a valid value for '--\(o.name)' (use \(choices.joined(separator: ", ")))")
            }
            parsed.values[o.name] = value
        }
        return parsed
    }
}

extension ParsedOptions {
    /// An integer option, validated.
    public func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>, usage: String) throws(UsageError) -> Int {
        guard let text = values[name] else { return fallback }
        guard let v = Int(text), range.contains(v) else {
            throw UsageError(message: "'--\(name)' must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'", usage: usage)
        }
        return v
    }

    /// A byte size option (`64M`, `4K`, `1G` or bytes), validated.
    public func byteSize(_ name: String, default fallback: Int, usage: String) throws(UsageError) -> Int {
        guard let text = values[name] else { return fallback }
        guard let v = ByteSize.parse(text), v > 0 else {
            throw UsageError(message: "'--\(name)' must be a size like 64M or 4096, not '\(text)'", usage: usage)
        }
        return v
    }
}

/// Sizes with K/M/G suffixes (powers of 1024).
public enum ByteSize {
    /// Parses `64M`, `4K`, `1G` or bytes: the guest programs' syntax.
    public static func parse(_ text: String) -> Int? { GuestKit.parseSize(text) }

    public static func format(_ bytes: Int) -> String {
        for (unit, scale) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes >= scale && bytes % scale == 0 {
            return "\(bytes / scale)\(unit)"
        }
        return "\(bytes)"
    }
}
