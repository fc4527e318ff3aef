import CCosy

/// A variable of a compound (the DSL's name for a result slot). Each `Var`
/// is its own variable; the compound gives it a slot when it is encoded.
public final class Var: Sendable, CustomStringConvertible {
    public let name: String
    public let initial: Int64

    /// - Parameters:
    ///   - name: shown in errors.
    ///   - initial: the value the variable holds when the run starts.
    public init(_ name: String = "var", initial: Int64 = 0) {
        self.name = name
        self.initial = initial
    }

    public var description: String { name }
}

/// A value computed in the kernel: constants, variables, arithmetic on
/// them and system calls (whose value is their result).
public indirect enum Expr: Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    case constant(Int64)
    case variable(Var)
    case binary(ArithmeticOperator, Expr, Expr)
    case syscall(SystemCall, [Expr])
    /// A zero-copy call (`enum cosy_fast` in `aux`) on the fast buffer.
    case fast(aux: UInt16, [Expr], splice: Bool)
    /// A user function: BPF program fd, window offset, window length,
    /// up to three scalar arguments.
    case function(programFD: Int32, [Expr])

    public init(integerLiteral value: Int64) { self = .constant(value) }

    /// A pointer in the calling process.
    public static func pointer(_ p: UnsafeMutableRawPointer) -> Expr { .constant(Int64(Int(bitPattern: p))) }
    /// A pointer in the calling process.
    public static func pointer(_ p: UnsafeRawPointer) -> Expr { .constant(Int64(Int(bitPattern: p))) }

    public var description: String {
        switch self {
        case .constant(let v): "\(v)"
        case .variable(let v): v.name
        case .binary(let op, let l, let r): "(\(l) \(op) \(r))"
        case .syscall(let nr, let args): "\(nr)(\(args.map(\.description).joined(separator: ", ")))"
        case .fast(let aux, let args, _): "fast#\(aux)(\(args.map(\.description).joined(separator: ", ")))"
        case .function(let fd, let args): "function(fd \(fd); \(args.map(\.description).joined(separator: ", ")))"
        }
    }
}

/// Anything usable as an expression: `Var`, `Expr`, integer constants.
public protocol ExprConvertible {
    var expr: Expr { get }
}

extension Var: ExprConvertible { public var expr: Expr { .variable(self) } }
extension Expr: ExprConvertible { public var expr: Expr { self } }
extension Int64: ExprConvertible { public var expr: Expr { .constant(self) } }
extension Int: ExprConvertible { public var expr: Expr { .constant(Int64(self)) } }
extension Int32: ExprConvertible { public var expr: Expr { .constant(Int64(self)) } }
extension FileDescriptor: ExprConvertible { public var expr: Expr { .constant(Int64(rawValue)) } }

/// A system call as an expression: `Call(.read, fd, buf, 4096)`.
public func Call(_ nr: SystemCall, _ args: any ExprConvertible...) -> Expr {
    .syscall(nr, args.map(\.expr))
}

/// Zero-copy calls on the fast buffer (COSY-FAST); offsets and lengths
/// are bytes from the start of the fast buffer. Each is an expression whose
/// value is the call's result.
public enum Fast {
    /// `read(fd)` into the fast buffer. With `splice`, the next statement
    /// must be a ``write(_:offset:length:)`` of the same offset whose length
    /// is this read's result: the kernel may then splice file to file.
    public static func read(_ fd: any ExprConvertible, offset: any ExprConvertible,
                            length: any ExprConvertible, splice: Bool = false) -> Expr {
        .fast(aux: UInt16(COSY_FAST_READ.rawValue), [fd.expr, offset.expr, length.expr], splice: splice)
    }
    public static func write(_ fd: any ExprConvertible, offset: any ExprConvertible,
                             length: any ExprConvertible) -> Expr {
        .fast(aux: UInt16(COSY_FAST_WRITE.rawValue), [fd.expr, offset.expr, length.expr], splice: false)
    }
    public static func pread(_ fd: any ExprConvertible, offset: any ExprConvertible,
                             length: any ExprConvertible, position: any ExprConvertible) -> Expr {
        .fast(aux: UInt16(COSY_FAST_PREAD.rawValue), [fd.expr, offset.expr, length.expr, position.expr], splice: false)
    }
    public static func pwrite(_ fd: any ExprConvertible, offset: any ExprConvertible,
                              length: any ExprConvertible, position: any ExprConvertible) -> Expr {
        .fast(aux: UInt16(COSY_FAST_PWRITE.rawValue), [fd.expr, offset.expr, length.expr, position.expr], splice: false)
    }
    /// `stat()` of the NUL-terminated path at `pathOffset`.
    public static func stat(pathOffset: any ExprConvertible, statOffset: any ExprConvertible) -> Expr {
        .fast(aux: UInt16(COSY_FAST_STAT.rawValue), [pathOffset.expr, statOffset.expr], splice: false)
    }
    public static func statx(dirfd: any ExprConvertible, pathOffset: any ExprConvertible, flags: any ExprConvertible,
                             mask: any ExprConvertible, statxOffset: any ExprConvertible) -> Expr {
        .fast(aux: UInt16(COSY_FAST_STATX.rawValue),
              [dirfd.expr, pathOffset.expr, flags.expr, mask.expr, statxOffset.expr], splice: false)
    }
    public static func getdents64(_ fd: any ExprConvertible, offset: any ExprConvertible,
                                  length: any ExprConvertible) -> Expr {
        .fast(aux: UInt16(COSY_FAST_GETDENTS64.rawValue), [fd.expr, offset.expr, length.expr], splice: false)
    }
}

/// Calls a user function (a loaded BPF_PROG_TYPE_COSY program) on the
/// fast-buffer window `[offset, offset + length)`.
public func CallFunction(_ programFD: Int32, offset: any ExprConvertible, length: any ExprConvertible,
                         _ args: any ExprConvertible...) -> Expr {
    .function(programFD: programFD, [offset.expr, length.expr] + args.map(\.expr))
}

// Arithmetic on variables and expressions; integer literals become Expr.
public func + (l: Var, r: Var) -> Expr { .binary(.add, l.expr, r.expr) }
public func + (l: Var, r: Expr) -> Expr { .binary(.add, l.expr, r) }
public func + (l: Expr, r: Var) -> Expr { .binary(.add, l, r.expr) }
public func + (l: Expr, r: Expr) -> Expr { .binary(.add, l, r) }
public func - (l: Var, r: Var) -> Expr { .binary(.subtract, l.expr, r.expr) }
public func - (l: Var, r: Expr) -> Expr { .binary(.subtract, l.expr, r) }
public func - (l: Expr, r: Var) -> Expr { .binary(.subtract, l, r.expr) }
public func - (l: Expr, r: Expr) -> Expr { .binary(.subtract, l, r) }
public func * (l: Var, r: Var) -> Expr { .binary(.multiply, l.expr, r.expr) }
public func * (l: Var, r: Expr) -> Expr { .binary(.multiply, l.expr, r) }
public func * (l: Expr, r: Var) -> Expr { .binary(.multiply, l, r.expr) }
public func * (l: Expr, r: Expr) -> Expr { .binary(.multiply, l, r) }
public func / (l: Var, r: Var) -> Expr { .binary(.divide, l.expr, r.expr) }
public func / (l: Var, r: Expr) -> Expr { .binary(.divide, l.expr, r) }
public func / (l: Expr, r: Var) -> Expr { .binary(.divide, l, r.expr) }
public func / (l: Expr, r: Expr) -> Expr { .binary(.divide, l, r) }
public func % (l: Var, r: Var) -> Expr { .binary(.remainder, l.expr, r.expr) }
public func % (l: Var, r: Expr) -> Expr { .binary(.remainder, l.expr, r) }
public func % (l: Expr, r: Var) -> Expr { .binary(.remainder, l, r.expr) }
public func % (l: Expr, r: Expr) -> Expr { .binary(.remainder, l, r) }
public func & (l: Var, r: Var) -> Expr { .binary(.and, l.expr, r.expr) }
public func & (l: Var, r: Expr) -> Expr { .binary(.and, l.expr, r) }
public func & (l: Expr, r: Var) -> Expr { .binary(.and, l, r.expr) }
public func & (l: Expr, r: Expr) -> Expr { .binary(.and, l, r) }
public func | (l: Var, r: Var) -> Expr { .binary(.or, l.expr, r.expr) }
public func | (l: Var, r: Expr) -> Expr { .binary(.or, l.expr, r) }
public func | (l: Expr, r: Var) -> Expr { .binary(.or, l, r.expr) }
public func | (l: Expr, r: Expr) -> Expr { .binary(.or, l, r) }
public func ^ (l: Var, r: Var) -> Expr { .binary(.xor, l.expr, r.expr) }
public func ^ (l: Var, r: Expr) -> Expr { .binary(.xor, l.expr, r) }
public func ^ (l: Expr, r: Var) -> Expr { .binary(.xor, l, r.expr) }
public func ^ (l: Expr, r: Expr) -> Expr { .binary(.xor, l, r) }
public func << (l: Var, r: Var) -> Expr { .binary(.shiftLeft, l.expr, r.expr) }
public func << (l: Var, r: Expr) -> Expr { .binary(.shiftLeft, l.expr, r) }
public func << (l: Expr, r: Var) -> Expr { .binary(.shiftLeft, l, r.expr) }
public func << (l: Expr, r: Expr) -> Expr { .binary(.shiftLeft, l, r) }
public func >> (l: Var, r: Var) -> Expr { .binary(.shiftRight, l.expr, r.expr) }
public func >> (l: Var, r: Expr) -> Expr { .binary(.shiftRight, l.expr, r) }
public func >> (l: Expr, r: Var) -> Expr { .binary(.shiftRight, l, r.expr) }
public func >> (l: Expr, r: Expr) -> Expr { .binary(.shiftRight, l, r) }

/// A comparison, evaluated in the kernel: `wlen == 4096`, `i < n`.
public struct Comparison: Sendable, CustomStringConvertible {
    public var lhs: Expr
    public var condition: Condition
    public var rhs: Expr

    /// The opposite comparison (for jumping around a block).
    var negated: Comparison {
        let flipped: Condition = switch condition {
        case .always: .always
        case .equal: .notEqual
        case .notEqual: .equal
        case .less: .greaterOrEqual
        case .lessOrEqual: .greater
        case .greater: .lessOrEqual
        case .greaterOrEqual: .less
        }
        return Comparison(lhs: lhs, condition: flipped, rhs: rhs)
    }

    public var description: String { "\(lhs) \(condition) \(rhs)" }
}

// Comparisons on variables and expressions.
public func == (l: Var, r: Var) -> Comparison { Comparison(lhs: l.expr, condition: .equal, rhs: r.expr) }
public func == (l: Var, r: Expr) -> Comparison { Comparison(lhs: l.expr, condition: .equal, rhs: r) }
public func == (l: Expr, r: Var) -> Comparison { Comparison(lhs: l, condition: .equal, rhs: r.expr) }
public func == (l: Expr, r: Expr) -> Comparison { Comparison(lhs: l, condition: .equal, rhs: r) }
public func != (l: Var, r: Var) -> Comparison { Comparison(lhs: l.expr, condition: .notEqual, rhs: r.expr) }
public func != (l: Var, r: Expr) -> Comparison { Comparison(lhs: l.expr, condition: .notEqual, rhs: r) }
public func != (l: Expr, r: Var) -> Comparison { Comparison(lhs: l, condition: .notEqual, rhs: r.expr) }
public func != (l: Expr, r: Expr) -> Comparison { Comparison(lhs: l, condition: .notEqual, rhs: r) }
public func < (l: Var, r: Var) -> Comparison { Comparison(lhs: l.expr, condition: .less, rhs: r.expr) }
public func < (l: Var, r: Expr) -> Comparison { Comparison(lhs: l.expr, condition: .less, rhs: r) }
public func < (l: Expr, r: Var) -> Comparison { Comparison(lhs: l, condition: .less, rhs: r.expr) }
public func < (l: Expr, r: Expr) -> Comparison { Comparison(lhs: l, condition: .less, rhs: r) }
public func <= (l: Var, r: Var) -> Comparison { Comparison(lhs: l.expr, condition: .lessOrEqual, rhs: r.expr) }
public func <= (l: Var, r: Expr) -> Comparison { Comparison(lhs: l.expr, condition: .lessOrEqual, rhs: r) }
public func <= (l: Expr, r: Var) -> Comparison { Comparison(lhs: l, condition: .lessOrEqual, rhs: r.expr) }
public func <= (l: Expr, r: Expr) -> Comparison { Comparison(lhs: l, condition: .lessOrEqual, rhs: r) }
public func > (l: Var, r: Var) -> Comparison { Comparison(lhs: l.expr, condition: .greater, rhs: r.expr) }
public func > (l: Var, r: Expr) -> Comparison { Comparison(lhs: l.expr, condition: .greater, rhs: r) }
public func > (l: Expr, r: Var) -> Comparison { Comparison(lhs: l, condition: .greater, rhs: r.expr) }
public func > (l: Expr, r: Expr) -> Comparison { Comparison(lhs: l, condition: .greater, rhs: r) }
public func >= (l: Var, r: Var) -> Comparison { Comparison(lhs: l.expr, condition: .greaterOrEqual, rhs: r.expr) }
public func >= (l: Var, r: Expr) -> Comparison { Comparison(lhs: l.expr, condition: .greaterOrEqual, rhs: r) }
public func >= (l: Expr, r: Var) -> Comparison { Comparison(lhs: l, condition: .greaterOrEqual, rhs: r.expr) }
public func >= (l: Expr, r: Expr) -> Comparison { Comparison(lhs: l, condition: .greaterOrEqual, rhs: r) }
