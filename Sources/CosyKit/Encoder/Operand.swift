import CCosy

/// A result slot of a compound: a 64-bit variable that entries read and
/// write. Made by ``CompoundEncoder/slot(initial:)``.
public struct Slot: Hashable, Sendable, CustomStringConvertible {
    /// Index into the compound's slot array.
    public let index: UInt16
    init(index: UInt16) { self.index = index }
    public var description: String { "$\(index)" }
}

/// An entry argument: a value known now, or the value a slot holds when
/// the entry runs (a data dependency, resolved in the kernel).
public enum Operand: Hashable, Sendable, ExpressibleByIntegerLiteral {
    case value(Int64)
    case slot(Slot)

    public init(integerLiteral value: Int64) { self = .value(value) }

    /// A pointer argument (an address in the calling process).
    public static func pointer(_ p: UnsafeRawPointer) -> Operand {
        .value(Int64(Int(bitPattern: p)))
    }

    /// A pointer argument (an address in the calling process).
    public static func pointer(_ p: UnsafeMutableRawPointer) -> Operand {
        .value(Int64(Int(bitPattern: p)))
    }

    /// A file descriptor argument.
    public static func fd(_ fd: Int32) -> Operand { .value(Int64(fd)) }
}

/// `enum cosy_arith`: the operator of an arithmetic entry.
public enum ArithmeticOperator: UInt16, CaseIterable, Sendable {
    case add, subtract, multiply, divide, remainder, and, or, xor, shiftLeft, shiftRight
    /// One operand: `dst = arg0 + 1`.
    case increment
    /// One operand: `dst = arg0 - 1`.
    case decrement

    var cValue: UInt16 {
        switch self {
        case .add: UInt16(COSY_ARITH_ADD.rawValue)
        case .subtract: UInt16(COSY_ARITH_SUB.rawValue)
        case .multiply: UInt16(COSY_ARITH_MUL.rawValue)
        case .divide: UInt16(COSY_ARITH_DIV.rawValue)
        case .remainder: UInt16(COSY_ARITH_MOD.rawValue)
        case .and: UInt16(COSY_ARITH_AND.rawValue)
        case .or: UInt16(COSY_ARITH_OR.rawValue)
        case .xor: UInt16(COSY_ARITH_XOR.rawValue)
        case .shiftLeft: UInt16(COSY_ARITH_SHL.rawValue)
        case .shiftRight: UInt16(COSY_ARITH_SHR.rawValue)
        case .increment: UInt16(COSY_ARITH_INC.rawValue)
        case .decrement: UInt16(COSY_ARITH_DEC.rawValue)
        }
    }
}

/// `enum cosy_cond`: when a jump is taken. Operands compare as signed
/// 64-bit integers.
public enum Condition: UInt16, CaseIterable, Sendable {
    case always, equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

    var cValue: UInt16 {
        switch self {
        case .always: UInt16(COSY_COND_ALWAYS.rawValue)
        case .equal: UInt16(COSY_COND_EQ.rawValue)
        case .notEqual: UInt16(COSY_COND_NE.rawValue)
        case .less: UInt16(COSY_COND_LT.rawValue)
        case .lessOrEqual: UInt16(COSY_COND_LE.rawValue)
        case .greater: UInt16(COSY_COND_GT.rawValue)
        case .greaterOrEqual: UInt16(COSY_COND_GE.rawValue)
        }
    }
}

/// `enum cosy_fast`: a zero-copy call on the fast buffer (COSY-FAST).
/// Offsets and lengths are bytes from the fast buffer's start.
public enum FastCall: Sendable, Equatable {
    /// `read(fd)` into the fast buffer at `offset`.
    case read(fd: Operand, offset: Operand, length: Operand)
    /// `write(fd)` from the fast buffer at `offset`.
    case write(fd: Operand, offset: Operand, length: Operand)
    /// `pread64(fd, ..., position)` into the fast buffer.
    case pread(fd: Operand, offset: Operand, length: Operand, position: Operand)
    /// `pwrite64(fd, ..., position)` from the fast buffer.
    case pwrite(fd: Operand, offset: Operand, length: Operand, position: Operand)
    /// `stat()` of the NUL-terminated path at `pathOffset`; `struct stat`
    /// is written at `statOffset`.
    case stat(pathOffset: Operand, statOffset: Operand)
    /// `statx()`; `struct statx` is written at `statxOffset`.
    case statx(dirfd: Operand, pathOffset: Operand, flags: Operand, mask: Operand, statxOffset: Operand)
    /// `getdents64(fd)` into the fast buffer.
    case getdents64(fd: Operand, offset: Operand, length: Operand)

    var aux: UInt16 {
        switch self {
        case .read: UInt16(COSY_FAST_READ.rawValue)
        case .write: UInt16(COSY_FAST_WRITE.rawValue)
        case .pread: UInt16(COSY_FAST_PREAD.rawValue)
        case .pwrite: UInt16(COSY_FAST_PWRITE.rawValue)
        case .stat: UInt16(COSY_FAST_STAT.rawValue)
        case .statx: UInt16(COSY_FAST_STATX.rawValue)
        case .getdents64: UInt16(COSY_FAST_GETDENTS64.rawValue)
        }
    }

    var arguments: [Operand] {
        switch self {
        case .read(let f, let o, let l), .write(let f, let o, let l), .getdents64(let f, let o, let l): [f, o, l]
        case .pread(let f, let o, let l, let p), .pwrite(let f, let o, let l, let p): [f, o, l, p]
        case .stat(let p, let s): [p, s]
        case .statx(let d, let p, let fl, let m, let s): [d, p, fl, m, s]
        }
    }
}
