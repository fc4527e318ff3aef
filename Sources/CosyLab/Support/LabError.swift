/// A failure the user can act on: what failed, and what to do about it.
/// Printed as `Error: <message>` plus the hint; exit status 1.
public struct LabError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message)\n  \($0)" } ?? message
    }

    /// A missing system component, with the Debian package that has it.
    public static func missing(_ what: String, package: String) -> LabError {
        LabError("\(what) is missing", hint: "install it with ci/bootstrap (Debian package \(package))")
    }
}
