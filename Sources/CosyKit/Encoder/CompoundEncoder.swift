import CCosy

/// A jump target inside a compound. Made by ``CompoundEncoder/makeLabel()``,
/// placed with ``CompoundEncoder/place(_:)``; resolved to an entry index by
/// ``CompoundEncoder/encode()``.
public struct EntryLabel: Hashable, Sendable {
    let id: Int
}

/// An entry before encoding: what the kernel's `struct cosy_entry` holds,
/// with jump targets still symbolic.
struct PendingEntry: Sendable {
    var op: UInt8
    var aux: UInt16
    var dst: Slot?
    var args: [Operand]
    /// For jumps: the target label (encoded as argument 0).
    var target: EntryLabel?
    /// For switches: the default target and the case targets, encoded as
    /// arguments 1, 3, 5, ...
    var switchTargets: [EntryLabel] = []
    var flags: UInt8 = 0
}

/// Why a compound cannot be encoded.
public enum CompoundError: Error, Equatable, CustomStringConvertible {
    case tooManySlots(Int)
    case tooManyArguments(entry: Int, count: Int)
    case unplacedLabel(EntryLabel)
    case labelPlacedTwice(EntryLabel)
    case foreignSlot(entry: Int, Slot)
    case tooManySwitchCases(entry: Int, count: Int)

    public var description: String {
        switch self {
        case .tooManySlots(let n):
            "compound has \(n) slots; the kernel allows at most \(COSY_MAX_SLOTS)"
        case .tooManyArguments(let entry, let count):
            "entry \(entry) has \(count) arguments; at most \(COSY_MAX_ARGS) are allowed"
        case .unplacedLabel(let label):
            "label \(label.id) is jumped to but never placed"
        case .labelPlacedTwice(let label):
            "label \(label.id) is placed twice"
        case .foreignSlot(let entry, let slot):
            "entry \(entry) uses slot \(slot), which this compound did not make"
        case .tooManySwitchCases(let entry, let count):
            "switch at entry \(entry) has \(count) cases; at most \((Int(COSY_MAX_SWITCH_ARGS) - 2) / 2) are allowed"
        }
    }
}

/// Builds a compound entry by entry: the paper's Cosy-Lib.
///
/// ```swift
/// var c = CompoundEncoder()
/// let rlen = c.slot(), wlen = c.slot()
/// let top = c.makeLabel()
/// c.place(top)
/// c.syscall(.read, .fd(ifd), .pointer(buf), 4096, into: rlen)
/// c.syscall(.write, .fd(ofd), .pointer(buf), .slot(rlen), into: wlen)
/// c.jump(to: top, if: .equal, .slot(wlen), 4096)
/// let words = try c.encode().words
/// ```
public struct CompoundEncoder: Sendable {
    var slotInitials: [Int64] = []
    var entries: [PendingEntry] = []
    var labelCount = 0
    var labelPositions: [EntryLabel: Int] = [:]
    var duplicatePlacement: EntryLabel?

    /// The maximum number of entries one run may execute (0: the kernel's
    /// default). A run that reaches it stops with `ELOOP`.
    public var maxExecuted: UInt32 = 0

    public init() {}

    /// The number of entries appended so far.
    public var entryCount: Int { entries.count }

    /// Makes a new result slot holding `initial` when the run starts.
    public mutating func slot(initial: Int64 = 0) -> Slot {
        let slot = Slot(index: UInt16(truncatingIfNeeded: slotInitials.count))
        slotInitials.append(initial)
        return slot
    }

    /// Makes a label to jump to; place it with ``place(_:)``.
    public mutating func makeLabel() -> EntryLabel {
        defer { labelCount += 1 }
        return EntryLabel(id: labelCount)
    }

    /// Places `label` before the next entry appended (or at the end, which
    /// ends the run).
    public mutating func place(_ label: EntryLabel) {
        if labelPositions[label] != nil { duplicatePlacement = label }
        labelPositions[label] = entries.count
    }

    /// Appends an entry that does nothing.
    public mutating func nop() {
        entries.append(PendingEntry(op: UInt8(COSY_OP_NOP.rawValue), aux: 0, args: []))
    }

    /// Appends system call `call` with up to six arguments; its result (a
    /// negative errno on failure) goes to `into`.
    public mutating func syscall(_ call: SystemCall, _ args: Operand..., into dst: Slot? = nil) {
        syscall(call, arguments: args, into: dst)
    }

    /// Appends system call `call`; see ``syscall(_:_:into:)``.
    public mutating func syscall(_ call: SystemCall, arguments: [Operand], into dst: Slot? = nil) {
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_SYSCALL.rawValue), aux: call.rawValue, dst: dst, args: arguments))
    }

    /// Appends `dst = value`.
    public mutating func assign(_ dst: Slot, _ value: Operand) {
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_ASSIGN.rawValue), aux: 0, dst: dst, args: [value]))
    }

    /// Appends `dst = lhs <op> rhs`.
    public mutating func arithmetic(
        _ dst: Slot, _ lhs: Operand, _ op: ArithmeticOperator, _ rhs: Operand
    ) {
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_ARITH.rawValue), aux: op.cValue, dst: dst, args: [lhs, rhs]))
    }

    /// Appends `dst = value + 1` or `dst = value - 1`.
    public mutating func increment(_ dst: Slot, _ value: Operand, by op: ArithmeticOperator = .increment) {
        precondition(op == .increment || op == .decrement, "increment(by:) takes .increment or .decrement")
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_ARITH.rawValue), aux: op.cValue, dst: dst, args: [value]))
    }

    /// Appends a jump table: goes to the label of the first case equal to
    /// `value`, else to `defaultTarget`.
    public mutating func switchJump(
        _ value: Operand, cases: [(Int64, EntryLabel)], default defaultTarget: EntryLabel
    ) {
        var args: [Operand] = [value]
        for (v, _) in cases { args.append(.value(v)) }
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_SWITCH.rawValue), aux: UInt16(truncatingIfNeeded: cases.count),
            args: args, switchTargets: [defaultTarget] + cases.map(\.1)))
    }

    /// Appends a zero-copy call on the fast buffer; its result (bytes or
    /// a negative errno) goes to `into`.
    /// - Parameter splice: only for `.read`: the next entry is a `.write`
    ///   of the same offset whose length is this entry's result, so the
    ///   kernel may splice file to file without filling the fast buffer.
    public mutating func fast(_ call: FastCall, into dst: Slot? = nil, splice: Bool = false) {
        fastRaw(aux: call.aux, call.arguments, into: dst, splice: splice)
    }

    /// A fast call from already-lowered operands (the DSL's path).
    mutating func fastRaw(aux: UInt16, _ args: [Operand], into dst: Slot?, splice: Bool) {
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_FAST.rawValue), aux: aux, dst: dst, args: args,
            flags: splice ? UInt8(COSY_ENTRY_SPLICE) : 0))
    }

    /// Appends a call of a user function (a BPF_PROG_TYPE_COSY program
    /// loaded as `programFD`) on the fast-buffer window
    /// `[windowOffset, windowOffset + windowLength)` with up to three
    /// scalar arguments; its return value goes to `into`.
    public mutating func callFunction(
        programFD: Int32, windowOffset: Operand, windowLength: Operand,
        arguments: [Operand] = [], into dst: Slot? = nil
    ) {
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_CALL_BPF.rawValue), aux: 0, dst: dst,
            args: [.value(Int64(programFD)), windowOffset, windowLength] + arguments))
    }

    /// Appends an unconditional jump to `label`.
    public mutating func jump(to label: EntryLabel) {
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_JUMP.rawValue), aux: Condition.always.cValue, args: [],
            target: label))
    }

    /// Appends a jump to `label`, taken when `lhs <condition> rhs`.
    public mutating func jump(
        to label: EntryLabel, if condition: Condition, _ lhs: Operand, _ rhs: Operand
    ) {
        if condition == .always { return jump(to: label) }
        entries.append(PendingEntry(
            op: UInt8(COSY_OP_JUMP.rawValue), aux: condition.cValue, args: [lhs, rhs],
            target: label))
    }

    /// Resolves labels and lays the compound out in the kernel's format.
    /// - Throws: ``CompoundError`` when the compound is not valid.
    public func encode() throws(CompoundError) -> EncodedCompound {
        if slotInitials.count > Int(COSY_MAX_SLOTS) {
            throw .tooManySlots(slotInitials.count)
        }
        if let label = duplicatePlacement { throw .labelPlacedTwice(label) }

        var words: [UInt64] = []
        let headerWords = MemoryLayout<cosy_header>.size / 8
        words.reserveCapacity(headerWords + slotInitials.count + entries.count * 4)
        words.append(contentsOf: repeatElement(0, count: headerWords))
        words.append(contentsOf: slotInitials.map { UInt64(bitPattern: $0) })

        for (index, entry) in entries.enumerated() {
            var args = entry.args
            if let target = entry.target {
                guard let position = labelPositions[target] else { throw .unplacedLabel(target) }
                args.insert(.value(Int64(position)), at: 0)
            }
            if !entry.switchTargets.isEmpty {
                var positions: [Operand] = []
                for label in entry.switchTargets {
                    guard let p = labelPositions[label] else { throw .unplacedLabel(label) }
                    positions.append(.value(Int64(p)))
                }
                // value, default, then (case value, target) pairs
                var laidOut: [Operand] = [args[0], positions[0]]
                for (i, v) in args.dropFirst().enumerated() { laidOut += [v, positions[i + 1]] }
                args = laidOut
                if args.count > Int(COSY_MAX_SWITCH_ARGS) {
                    throw .tooManySwitchCases(entry: index, count: entry.switchTargets.count - 1)
                }
            } else if args.count > Int(COSY_MAX_ARGS) {
                throw .tooManyArguments(entry: index, count: args.count)
            }
            var argref: UInt8 = 0
            var argWords: [UInt64] = []
            for (i, arg) in args.enumerated() {
                switch arg {
                case .value(let v):
                    argWords.append(UInt64(bitPattern: v))
                case .slot(let s):
                    guard Int(s.index) < slotInitials.count else {
                        throw .foreignSlot(entry: index, s)
                    }
                    argref |= 1 << UInt8(i)
                    argWords.append(UInt64(s.index))
                }
            }
            if let dst = entry.dst, Int(dst.index) >= slotInitials.count {
                throw .foreignSlot(entry: index, dst)
            }
            let header = cosy_entry(
                op: entry.op, nargs: UInt8(args.count), argref: argref, flags: entry.flags,
                dst: entry.dst?.index ?? UInt16(COSY_SLOT_NONE), aux: entry.aux)
            words.append(withUnsafeBytes(of: header) { $0.loadUnaligned(as: UInt64.self) })
            words.append(contentsOf: argWords)
        }

        var header = cosy_header()
        header.magic = UInt32(COSY_MAGIC)
        header.version = UInt16(COSY_VERSION)
        header.nr_entries = UInt32(entries.count)
        header.len_words = UInt32(words.count)
        header.nr_slots = UInt32(slotInitials.count)
        header.max_exec = maxExecuted
        header.fail_entry = COSY_ENTRY_NONE
        withUnsafeBytes(of: header) { raw in
            for i in 0..<headerWords {
                words[i] = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            }
        }
        return EncodedCompound(
            words: words, slotCount: slotInitials.count, entryCount: entries.count)
    }
}

/// A compound in the kernel's binary format, ready to be loaded into the
/// compound buffer.
public struct EncodedCompound: Equatable, Sendable {
    /// The compound, in 64-bit little-endian words.
    public let words: [UInt64]
    public let slotCount: Int
    public let entryCount: Int

    /// Word offset of the slot array (the header's size in words).
    public static let slotOffset = MemoryLayout<cosy_header>.size / 8

    /// The size in bytes.
    public var byteCount: Int { words.count * 8 }
}
