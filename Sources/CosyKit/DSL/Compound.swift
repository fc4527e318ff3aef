/// Why a DSL program cannot become a compound; names the construct.
public enum DSLError: Error, Equatable, CustomStringConvertible {
    case undefinedLabel(String)
    case duplicateLabel(String)
    case breakOutsideLoop
    case continueOutsideLoop
    case duplicateCase(Int64)
    case multipleDefaults
    case tooManyArguments(String)
    case encoding(CompoundError)

    public var description: String {
        switch self {
        case .undefinedLabel(let n): "Goto(\"\(n)\") has no matching Label(\"\(n)\")"
        case .duplicateLabel(let n): "Label(\"\(n)\") is placed more than once"
        case .breakOutsideLoop: "Break() is not inside While, DoWhile, For or Switch"
        case .continueOutsideLoop: "Continue() is not inside While, DoWhile or For"
        case .duplicateCase(let v): "Switch has two Case(\(v)) arms"
        case .multipleDefaults: "Switch has more than one Default arm"
        case .tooManyArguments(let call): "\(call) has more than 6 arguments"
        case .encoding(let e): "cannot encode the compound: \(e)"
        }
    }
}

/// A compound written as ordinary-looking Swift: the paper's Cosy-GCC.
///
/// ```swift
/// let rlen = Var("rlen"), wlen = Var("wlen")
/// let copy = Compound {
///     DoWhile(wlen == 4096) {
///         rlen <- Call(.read, src, Expr.pointer(buf), 4096)
///         wlen <- Call(.write, dst, Expr.pointer(buf), rlen)
///     }
/// }
/// let program = try copy.encode()
/// try cosy.run(program)
/// print(cosy[program[wlen]!])
/// ```
///
/// Variables get result slots, data dependencies (a call's argument that is
/// another call's result) become slot references, and control flow and
/// labels become jumps, all resolved when the compound is encoded; invalid
/// programs are rejected before that with a ``DSLError``.
public struct Compound: Sendable {
    public let body: [Stmt]
    /// The most entries one run may execute (0: kernel default).
    public var maxExecuted: UInt32 = 0

    public init(@CompoundBuilder _ body: () -> [Stmt]) {
        self.body = body()
    }

    /// Resolves variables, temporaries, loops and labels and encodes.
    public func encode() throws(DSLError) -> CompiledCompound {
        var lowering = Lowering()
        lowering.encoder.maxExecuted = maxExecuted
        try lowering.lower(body)
        try lowering.finish()
        do {
            let encoded = try lowering.encoder.encode()
            return CompiledCompound(encoded: encoded, slots: lowering.slots)
        } catch {
            throw .encoding(error)
        }
    }
}

/// An encoded DSL compound and where its variables live.
public struct CompiledCompound: Sendable {
    public let encoded: EncodedCompound
    let slots: [ObjectIdentifier: Slot]

    /// The slot of `variable`, or nil if the program never uses it.
    public subscript(variable: Var) -> Slot? { slots[ObjectIdentifier(variable)] }
}

extension CosyContext {
    /// Loads and runs a DSL compound.
    @discardableResult
    public func run(_ program: CompiledCompound) throws(CosyError) -> RunSummary {
        try run(program.encoded)
    }

    /// The value `variable` held at the end of the last run of `program`.
    public func value(of variable: Var, in program: CompiledCompound) -> Int64? {
        program[variable].map { self[$0] }
    }
}

/// Lowers structured statements to entries and jumps.
struct Lowering {
    var encoder = CompoundEncoder()
    var slots: [ObjectIdentifier: Slot] = [:]
    private var vars: [Var] = []  // keeps each Var alive while its id is used
    private var labels: [String: EntryLabel] = [:]
    private var placed: Set<String> = []
    private var jumpedTo: [String] = []
    private var loops: [(breakTo: EntryLabel, continueTo: EntryLabel?)] = []
    private var freeTemps: [Slot] = []
    private var busyTemps: [Slot] = []

    mutating func slot(_ v: Var) -> Slot {
        if let s = slots[ObjectIdentifier(v)] { return s }
        let s = encoder.slot(initial: v.initial)
        slots[ObjectIdentifier(v)] = s
        vars.append(v)
        return s
    }

    mutating func temp() -> Slot {
        let s = freeTemps.popLast() ?? encoder.slot()
        busyTemps.append(s)
        return s
    }

    /// Temporaries live for one statement.
    mutating func releaseTemps() {
        freeTemps += busyTemps
        busyTemps.removeAll()
    }

    mutating func label(_ name: String) -> EntryLabel {
        if let l = labels[name] { return l }
        let l = encoder.makeLabel()
        labels[name] = l
        return l
    }

    /// The operand that holds `e`'s value, emitting entries as needed.
    mutating func operand(_ e: Expr) throws(DSLError) -> Operand {
        switch e {
        case .constant(let v): return .value(v)
        case .variable(let v): return .slot(slot(v))
        case .binary, .syscall, .fast, .function:
            let t = temp()
            try evaluate(e, into: t)
            return .slot(t)
        }
    }

    mutating func evaluate(_ e: Expr, into dst: Slot?) throws(DSLError) {
        switch e {
        case .constant, .variable:
            if let d = dst { encoder.assign(d, try operand(e)) }
        case .binary(.add, let l, .constant(1)), .binary(.subtract, let l, .constant(1)):
            let lo = try operand(l)
            if case .binary(let op, _, _) = e {
                encoder.increment(dst ?? temp(), lo, by: op == .add ? .increment : .decrement)
            }
        case .binary(let op, let l, let r):
            let lo = try operand(l), ro = try operand(r)
            encoder.arithmetic(dst ?? temp(), lo, op, ro)
        case .fast(let aux, let args, let splice):
            var ops: [Operand] = []
            for a in args { ops.append(try operand(a)) }
            encoder.fastRaw(aux: aux, ops, into: dst, splice: splice)
        case .function(let fd, let args):
            guard args.count <= 5 else { throw .tooManyArguments("\(e)") }
            var ops: [Operand] = []
            for a in args { ops.append(try operand(a)) }
            encoder.callFunction(programFD: fd, windowOffset: ops[0], windowLength: ops[1],
                                 arguments: Array(ops.dropFirst(2)), into: dst)
        case .syscall(let nr, let args):
            guard args.count <= 6 else { throw .tooManyArguments("\(e)") }
            var ops: [Operand] = []
            for a in args { ops.append(try operand(a)) }
            encoder.syscall(nr, arguments: ops, into: dst)
        }
    }

    /// Jumps to `target` when `c` holds.
    mutating func jump(to target: EntryLabel, if c: Comparison) throws(DSLError) {
        let l = try operand(c.lhs), r = try operand(c.rhs)
        encoder.jump(to: target, if: c.condition, l, r)
    }

    mutating func lower(_ stmts: [Stmt]) throws(DSLError) {
        for s in stmts {
            try lower(s)
            releaseTemps()
        }
    }

    mutating func lower(_ s: Stmt) throws(DSLError) {
        switch s {
        case .assign(let v, let e):
            try evaluate(e, into: slot(v))
        case .evaluate(let e):
            try evaluate(e, into: nil)
        case .ifElse(let c, let then, let otherwise):
            let elseL = encoder.makeLabel(), end = encoder.makeLabel()
            try jump(to: otherwise.isEmpty ? end : elseL, if: c.negated)
            releaseTemps()
            try lower(then)
            if !otherwise.isEmpty {
                encoder.jump(to: end)
                encoder.place(elseL)
                try lower(otherwise)
            }
            encoder.place(end)
        case .whileLoop(let c, let body):
            try loop(initialize: [], condition: c, step: [], body: body, testFirst: true)
        case .doWhile(let body, let c):
            try loop(initialize: [], condition: c, step: [], body: body, testFirst: false)
        case .forLoop(let initialize, let c, let step, let body):
            try loop(initialize: initialize, condition: c, step: step, body: body, testFirst: true)
        case .switchOn(let subject, let cases, let defaults):
            guard defaults.count <= 1 else { throw .multipleDefaults }
            var seen: Set<Int64> = []
            for (v, _) in cases where !seen.insert(v).inserted { throw .duplicateCase(v) }
            let value = try operand(subject)
            let end = encoder.makeLabel(), defaultL = encoder.makeLabel()
            let armLabels = cases.map { _ in encoder.makeLabel() }
            encoder.switchJump(value, cases: zip(cases.map(\.0), armLabels).map { ($0, $1) },
                               default: defaults.isEmpty ? end : defaultL)
            releaseTemps()
            loops.append((breakTo: end, continueTo: nil))
            for (i, (_, body)) in cases.enumerated() {
                encoder.place(armLabels[i])
                try lower(body)
                encoder.jump(to: end)
            }
            if let d = defaults.first {
                encoder.place(defaultL)
                try lower(d)
            }
            loops.removeLast()
            encoder.place(end)
        case .label(let name):
            guard placed.insert(name).inserted else { throw .duplicateLabel(name) }
            encoder.place(label(name))
        case .goto(let name):
            jumpedTo.append(name)
            encoder.jump(to: label(name))
        case .breakLoop:
            guard let l = loops.last else { throw .breakOutsideLoop }
            encoder.jump(to: l.breakTo)
        case .continueLoop:
            guard let target = loops.last(where: { $0.continueTo != nil })?.continueTo else {
                throw .continueOutsideLoop
            }
            encoder.jump(to: target)
        }
    }

    /// `initialize; [jump check]; top: body; next: step; check: if (c) goto top; end:`
    mutating func loop(initialize: [Stmt], condition c: Comparison, step: [Stmt], body: [Stmt],
                       testFirst: Bool) throws(DSLError) {
        try lower(initialize)
        let top = encoder.makeLabel(), next = encoder.makeLabel()
        let check = encoder.makeLabel(), end = encoder.makeLabel()
        if testFirst { encoder.jump(to: check) }
        encoder.place(top)
        loops.append((breakTo: end, continueTo: next))
        try lower(body)
        loops.removeLast()
        encoder.place(next)
        try lower(step)
        encoder.place(check)
        try jump(to: top, if: c)
        releaseTemps()
        encoder.place(end)
    }

    func finish() throws(DSLError) {
        for name in jumpedTo where !placed.contains(name) { throw .undefinedLabel(name) }
    }
}
