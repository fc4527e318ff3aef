/// One statement of a compound program. DSL nodes are thin values over the
/// internal IR (``Stmt``); ``Compound`` lowers them to entries.
public protocol Statement: Sendable {
    var ir: [Stmt] { get }
}

/// The DSL's intermediate representation: structured statements, lowered
/// to entries and jumps by ``Compound/encode()``.
public indirect enum Stmt: Sendable {
    case assign(Var, Expr)
    case evaluate(Expr)
    case ifElse(Comparison, [Stmt], [Stmt])
    case whileLoop(Comparison, [Stmt])
    case doWhile([Stmt], Comparison)
    case forLoop(initialize: [Stmt], Comparison, step: [Stmt], body: [Stmt])
    case switchOn(Expr, cases: [(Int64, [Stmt])], defaults: [[Stmt]])
    case label(String)
    case goto(String)
    case breakLoop
    case continueLoop
}

/// Builds a statement list from a closure of statements, including Swift's
/// own `if`, `if/else` and `for ... in` evaluated while building (the way
/// RegexBuilder composes patterns).
@resultBuilder
public enum CompoundBuilder {
    public static func buildExpression(_ s: any Statement) -> [Stmt] { s.ir }
    public static func buildBlock(_ parts: [Stmt]...) -> [Stmt] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Stmt]?) -> [Stmt] { part ?? [] }
    public static func buildEither(first: [Stmt]) -> [Stmt] { first }
    public static func buildEither(second: [Stmt]) -> [Stmt] { second }
    public static func buildArray(_ parts: [[Stmt]]) -> [Stmt] { parts.flatMap { $0 } }
}

infix operator <-: AssignmentPrecedence

/// `x <- expr`: assigns in the kernel (arithmetic, a system call's result).
public func <- (lhs: Var, rhs: any ExprConvertible) -> Assignment { Assignment(target: lhs, value: rhs.expr) }

/// `x <- expr`.
public struct Assignment: Statement {
    public let target: Var
    public let value: Expr
    public var ir: [Stmt] { [.assign(target, value)] }
}

/// Evaluates an expression for its effect: `Do(Call(.close, fd))`.
public struct Do: Statement {
    let value: Expr
    public init(_ value: Expr) { self.value = value }
    public var ir: [Stmt] { [.evaluate(value)] }
}

/// `if (cond) { ... } else { ... }`, evaluated in the kernel.
public struct If: Statement {
    let condition: Comparison
    let then: [Stmt]
    let otherwise: [Stmt]
    public init(_ condition: Comparison, @CompoundBuilder then: () -> [Stmt],
                @CompoundBuilder else otherwise: () -> [Stmt] = { [] }) {
        self.condition = condition
        self.then = then()
        self.otherwise = otherwise()
    }
    public var ir: [Stmt] { [.ifElse(condition, then, otherwise)] }
}

/// `while (cond) { ... }`.
public struct While: Statement {
    let condition: Comparison
    let body: [Stmt]
    public init(_ condition: Comparison, @CompoundBuilder _ body: () -> [Stmt]) {
        self.condition = condition
        self.body = body()
    }
    public var ir: [Stmt] { [.whileLoop(condition, body)] }
}

/// `do { ... } while (cond)`: `DoWhile(wlen == 4096) { ... }` runs the body
/// first, then repeats it while the condition holds.
public struct DoWhile: Statement {
    let body: [Stmt]
    let condition: Comparison
    public init(_ condition: Comparison, @CompoundBuilder _ body: () -> [Stmt]) {
        self.body = body()
        self.condition = condition
    }
    public var ir: [Stmt] { [.doWhile(body, condition)] }
}

/// `for (init; cond; step) { ... }`: `For(i <- 0, i < n, i <- i + 1) { ... }`.
public struct For: Statement {
    let initialize: Assignment
    let condition: Comparison
    let step: Assignment
    let body: [Stmt]
    public init(_ initialize: Assignment, _ condition: Comparison, _ step: Assignment,
                @CompoundBuilder _ body: () -> [Stmt]) {
        self.initialize = initialize
        self.condition = condition
        self.step = step
        self.body = body()
    }
    public var ir: [Stmt] { [.forLoop(initialize: initialize.ir, condition, step: step.ir, body: body)] }
}

/// One arm of a ``Switch``.
public struct SwitchArm: Sendable {
    let value: Int64?
    let body: [Stmt]
}

/// Builds the arms of a ``Switch``.
@resultBuilder
public enum SwitchBuilder {
    public static func buildExpression(_ arm: SwitchArm) -> [SwitchArm] { [arm] }
    public static func buildBlock(_ parts: [SwitchArm]...) -> [SwitchArm] { parts.flatMap { $0 } }
    public static func buildArray(_ parts: [[SwitchArm]]) -> [SwitchArm] { parts.flatMap { $0 } }
}

/// `case value:` of a ``Switch`` (no fall-through).
public func Case(_ value: Int64, @CompoundBuilder _ body: () -> [Stmt]) -> SwitchArm {
    SwitchArm(value: value, body: body())
}

/// `default:` of a ``Switch``.
public func Default(@CompoundBuilder _ body: () -> [Stmt]) -> SwitchArm {
    SwitchArm(value: nil, body: body())
}

/// `switch (expr) { case ...: ... default: ... }`, without fall-through.
public struct Switch: Statement {
    let subject: Expr
    let arms: [SwitchArm]
    public init(_ subject: any ExprConvertible, @SwitchBuilder _ arms: () -> [SwitchArm]) {
        self.subject = subject.expr
        self.arms = arms()
    }
    public var ir: [Stmt] {
        let cases = arms.compactMap { arm in arm.value.map { ($0, arm.body) } }
        let defaults = arms.filter { $0.value == nil }.map(\.body)
        return [.switchOn(subject, cases: cases, defaults: defaults)]
    }
}

/// A jump target: `Label("again")`.
public struct Label_: Statement {
    let name: String
    public var ir: [Stmt] { [.label(name)] }
}

/// Places a named label here.
public func Label(_ name: String) -> Label_ { Label_(name: name) }

/// `goto name`.
public struct Goto: Statement {
    let name: String
    public init(_ name: String) { self.name = name }
    public var ir: [Stmt] { [.goto(name)] }
}

/// `break` out of the innermost loop.
public struct Break: Statement {
    public init() {}
    public var ir: [Stmt] { [.breakLoop] }
}

/// `continue` the innermost loop.
public struct Continue: Statement {
    public init() {}
    public var ir: [Stmt] { [.continueLoop] }
}
