// Splits the serial console into lines and recognizes the guest protocol:
//   COSY-LAB-BEGIN         the init is about to run the command
//   COSY-LAB-EXIT <n>      the command exited with status n
//   Kernel panic - not syncing

/// Incremental console parser: feed it bytes as they arrive.
public struct ConsoleScanner: Sendable {
    public static let beginMarker = "COSY-LAB-BEGIN"
    public static let exitMarker = "COSY-LAB-EXIT"
    public static let panicMarker = "Kernel panic - not syncing"

    public private(set) var sawBegin = false
    public private(set) var exitStatus: Int32?
    public private(set) var panicked = false
    /// The last `tailLimit` complete lines.
    public private(set) var tail: [String] = []
    public let tailLimit: Int

    private var partial: [UInt8] = []

    public init(tailLimit: Int = 30) {
        self.tailLimit = tailLimit
    }

    /// Consumes bytes and returns the lines they completed, without "\r\n".
    public mutating func feed<C: Collection>(_ bytes: C) -> [String] where C.Element == UInt8 {
        var lines: [String] = []
        for b in bytes {
            if b == UInt8(ascii: "\n") {
                lines.append(take())
            } else {
                partial.append(b)
            }
        }
        return lines
    }

    /// Returns the unterminated last line, if any (call when the console ends).
    public mutating func finish() -> [String] {
        partial.isEmpty ? [] : [take()]
    }

    private mutating func take() -> String {
        var bytes = partial[...]
        partial.removeAll(keepingCapacity: true)
        while let last = bytes.last, last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        // QEMU's serial port sometimes carries NULs before the first output.
        let line = String(decoding: bytes.filter { $0 != 0 }, as: UTF8.self)
        scan(line)
        tail.append(line)
        if tail.count > tailLimit { tail.removeFirst(tail.count - tailLimit) }
        return line
    }

    private mutating func scan(_ line: String) {
        if !sawBegin, line.contains(Self.beginMarker) { sawBegin = true }
        if exitStatus == nil, let status = Self.parseExit(line) { exitStatus = status }
        if !panicked, line.contains(Self.panicMarker) { panicked = true }
    }

    /// The status of a `COSY-LAB-EXIT <n>` line (the marker may follow
    /// interleaved kernel output on the same line), or nil.
    public static func parseExit(_ line: String) -> Int32? {
        guard let r = line.range(of: exitMarker + " ") else { return nil }
        let rest = line[r.upperBound...]
        let digits = rest.prefix { $0 == "-" || $0.isASCII && $0.isNumber }
        return Int32(digits)
    }

    /// True if `line` is the BEGIN marker line.
    public static func isBegin(_ line: String) -> Bool { line.contains(beginMarker) }
}
