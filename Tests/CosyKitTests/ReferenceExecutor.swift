import CCosy

@testable import CosyKit

/// A user-space model of the kernel executor, written from
/// include/uapi/linux/cosy.h, used to check what the DSL lowers to. System
/// calls go to `syscall`.
struct ReferenceExecutor {
    enum Failure: Error, Equatable { case invalid(String), loop, domain }

    var slots: [Int64] = []
    var executed = 0
    var syscall: (UInt16, [Int64]) -> Int64 = { _, _ in 0 }

    mutating func run(_ words: [UInt64], limit: Int = 100_000) throws {
        func u32(_ w: Int, _ hi: Bool) -> Int { Int(hi ? words[w] >> 32 : words[w] & 0xffff_ffff) }
        guard words[0] & 0xffff_ffff == UInt64(COSY_MAGIC) else { throw Failure.invalid("magic") }
        let nEntries = u32(1, false), nSlots = u32(2, false)
        slots = words[6..<(6 + nSlots)].map { Int64(bitPattern: $0) }
        var entries: [(op: UInt8, nargs: Int, argref: UInt8, dst: Int, aux: UInt16, args: [UInt64])] = []
        var w = 6 + nSlots
        for _ in 0..<nEntries {
            let h = words[w]
            let nargs = Int((h >> 8) & 0xff)
            entries.append((UInt8(h & 0xff), nargs, UInt8((h >> 16) & 0xff), Int((h >> 32) & 0xffff),
                            UInt16(h >> 48), Array(words[(w + 1)..<(w + 1 + nargs)])))
            w += 1 + nargs
        }
        guard w == words.count, w == u32(1, true) else { throw Failure.invalid("length") }
        var pc = 0
        executed = 0
        while pc < entries.count {
            if executed == limit { throw Failure.loop }
            executed += 1
            let e = entries[pc]
            func arg(_ i: Int) -> Int64 {
                e.argref & (1 << i) != 0 ? slots[Int(e.args[i])] : Int64(bitPattern: e.args[i])
            }
            func store(_ v: Int64) { if e.dst != 0xffff { slots[e.dst] = v } }
            pc += 1
            switch UInt32(e.op) {
            case COSY_OP_NOP.rawValue: break
            case COSY_OP_SYSCALL.rawValue: store(syscall(e.aux, (0..<e.nargs).map(arg)))
            case COSY_OP_ASSIGN.rawValue: store(arg(0))
            case COSY_OP_SWITCH.rawValue:
                let v = arg(0)
                var target = Int(e.args[1])
                for c in 0..<Int(e.aux) where Int64(bitPattern: e.args[2 + 2 * c]) == v {
                    target = Int(e.args[3 + 2 * c])
                    break
                }
                pc = target
            case COSY_OP_ARITH.rawValue where e.nargs == 1:
                store(ArithmeticOperator(rawValue: e.aux)! == .increment ? arg(0) &+ 1 : arg(0) &- 1)
            case COSY_OP_ARITH.rawValue:
                let a = arg(0), b = arg(1)
                switch ArithmeticOperator(rawValue: e.aux)! {
                case .add: store(a &+ b)
                case .subtract: store(a &- b)
                case .multiply: store(a &* b)
                case .divide: if b == 0 { throw Failure.domain }; store(b == -1 ? 0 &- a : a / b)
                case .remainder: if b == 0 { throw Failure.domain }; store(b == -1 ? 0 : a % b)
                case .and: store(a & b)
                case .or: store(a | b)
                case .xor: store(a ^ b)
                case .shiftLeft: store(a << (b & 63))
                case .shiftRight: store(Int64(bitPattern: UInt64(bitPattern: a) >> UInt64(b & 63)))
                case .increment, .decrement: throw Failure.invalid("inc/dec with 2 args")
                }
            case COSY_OP_JUMP.rawValue:
                let target = Int(e.args[0])
                let taken: Bool
                switch Condition(rawValue: e.aux)! {
                case .always: taken = true
                case .equal: taken = arg(1) == arg(2)
                case .notEqual: taken = arg(1) != arg(2)
                case .less: taken = arg(1) < arg(2)
                case .lessOrEqual: taken = arg(1) <= arg(2)
                case .greater: taken = arg(1) > arg(2)
                case .greaterOrEqual: taken = arg(1) >= arg(2)
                }
                if taken { pc = target }
            default: throw Failure.invalid("op \(e.op)")
            }
        }
    }
}
