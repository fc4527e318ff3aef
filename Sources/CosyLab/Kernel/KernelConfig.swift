/// Kconfig fragments and `.config` files.
public enum KernelConfig {
    /// One requirement of a fragment: `CONFIG_X=value`, or unset.
    public struct Requirement: Equatable, Sendable {
        public var symbol: String
        /// nil: `# CONFIG_X is not set`.
        public var value: String?
    }

    /// The requirements a fragment states, in order.
    public static func requirements(of fragment: String) -> [Requirement] {
        fragment.split(separator: "\n").compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("# CONFIG_"), line.hasSuffix(" is not set") {
                let symbol = line.dropFirst(2).dropLast(" is not set".count)
                return Requirement(symbol: String(symbol), value: nil)
            }
            guard line.hasPrefix("CONFIG_"), let eq = line.firstIndex(of: "=") else { return nil }
            return Requirement(symbol: String(line[..<eq]), value: String(line[line.index(after: eq)...]))
        }
    }

    /// The values a `.config` sets.
    public static func values(of config: String) -> [String: String] {
        var result: [String: String] = [:]
        for req in requirements(of: config) where req.value != nil { result[req.symbol] = req.value }
        return result
    }

    /// The fragment lines the final config does not honour (Kconfig drops
    /// options whose dependencies are unmet without saying so).
    public static func unmet(fragment: String, in config: String) -> [String] {
        let final = values(of: config)
        return requirements(of: fragment).compactMap { req in
            switch req.value {
            case nil: final[req.symbol].map { $0 == "n" ? nil : "\(req.symbol) (is \($0), wanted unset)" } ?? nil
            case "n": (final[req.symbol] ?? "n") == "n" ? nil : "\(req.symbol)=n"
            case let v?: final[req.symbol] == v ? nil : "\(req.symbol)=\(v)"
            }
        }
    }
}
