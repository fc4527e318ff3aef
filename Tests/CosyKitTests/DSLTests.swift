import Testing

@testable import CosyKit

@Suite struct DSLTests {
    /// The paper's example in DSL form encodes to exactly the hand-written
    /// compound.
    @Test func paperCopyLoopMatchesTheManualEncoding() throws {
        let buf = UnsafeMutableRawPointer(bitPattern: 0x1000)!
        let rlen = Var("rlen"), wlen = Var("wlen")
        let program = try Compound {
            DoWhile(wlen == 4096) {
                rlen <- Call(.read, 3, Expr.pointer(buf), 4096)
                wlen <- Call(.write, 4, Expr.pointer(buf), rlen)
            }
        }.encode()

        let (c, r, w) = Fixtures.manualCopyLoop()
        #expect(program.encoded == (try c.encode()))
        #expect(program[rlen] == r)
        #expect(program[wlen] == w)
    }

    /// Runs the copy loop on a model of read/write: 10 KiB in 4 KiB chunks.
    @Test func copyLoopRunsOnTheModel() throws {
        let rlen = Var("rlen"), wlen = Var("wlen"), total = Var("total")
        let program = try Compound {
            DoWhile(wlen == 4096) {
                rlen <- Call(.read, 3, 0, 4096)
                wlen <- Call(.write, 4, 0, rlen)
                total <- total + wlen
            }
        }.encode()
        var remaining: Int64 = 10 * 1024
        var x = ReferenceExecutor()
        x.syscall = { nr, args in
            if nr == SystemCall.read.rawValue {
                let n = min(remaining, args[2]); remaining -= n; return n
            }
            return args[2]
        }
        try x.run(program.encoded.words)
        #expect(x.slots[Int(program[total]!.index)] == 10 * 1024)
        #expect(x.slots[Int(program[wlen]!.index)] == 2048)
    }

    @Test func loopsIfSwitchBreakContinue() throws {
        let i = Var("i"), sum = Var("sum"), evens = Var("evens"), kind = Var("kind"), n = Var("n", initial: 10)
        let program = try Compound {
            For(i <- 0, i < n, i <- i + 1) {
                If(i == 7) { Continue() }
                If(i % 2 == 0) {
                    evens <- evens + 1
                } else: {
                    sum <- sum + i
                }
            }
            While(n > 0) {
                n <- n - 3
                If(n < 2) { Break() }
            }
            Switch(sum) {
                Case(1) { kind <- 1 }
                Case(18) { kind <- 18 }
                Default { kind <- -1 }
            }
        }.encode()
        var x = ReferenceExecutor()
        try x.run(program.encoded.words)
        func value(_ v: Var) -> Int64 { x.slots[Int(program[v]!.index)] }
        #expect(value(evens) == 5)  // 0 2 4 6 8
        #expect(value(sum) == 1 + 3 + 5 + 9)
        #expect(value(n) == 1)  // 10 7 4 1 -> break
        #expect(value(kind) == 18)
        #expect(value(i) == 10)
    }

    @Test func labelsGotoAndNestedCallsAsArguments() throws {
        let count = Var("count"), r = Var("r")
        var calls: [[Int64]] = []
        let program = try Compound {
            Label("again")
            count <- count + 1
            If(count < 3) { Goto("again") }
            // A call whose argument is another call's result: a data dependency.
            r <- Call(.write, 1, 0, Call(.getppid))
            Do(Call(.close, r))
        }.encode()
        var x = ReferenceExecutor()
        x.syscall = { nr, args in calls.append([Int64(nr)] + args); return nr == SystemCall.getppid.rawValue ? 77 : 5 }
        try x.run(program.encoded.words)
        #expect(x.slots[Int(program[count]!.index)] == 3)
        #expect(calls == [[110], [1, 1, 0, 77], [3, 5]])
    }

    @Test func swiftControlFlowComposesAtBuildTime() throws {
        let x = Var("x")
        for unrolled in [false, true] {
            let program = try Compound {
                if unrolled {
                    for _ in 0..<4 { x <- x + 1 }
                } else {
                    x <- x + 4
                }
            }.encode()
            #expect(program.encoded.entryCount == (unrolled ? 4 : 1))
            var model = ReferenceExecutor()
            try model.run(program.encoded.words)
            #expect(model.slots[Int(program[x]!.index)] == 4)
        }
    }

    @Test func invalidProgramsAreRejectedWithTheConstruct() {
        #expect(throws: DSLError.undefinedLabel("nowhere")) { try Compound { Goto("nowhere") }.encode() }
        #expect(throws: DSLError.duplicateLabel("a")) { try Compound { Label("a"); Label("a") }.encode() }
        #expect(throws: DSLError.breakOutsideLoop) { try Compound { Break() }.encode() }
        #expect(throws: DSLError.continueOutsideLoop) {
            try Compound { Switch(1) { Case(1) { Continue() } } }.encode()
        }
        #expect(throws: DSLError.duplicateCase(2)) {
            try Compound { Switch(1) { Case(2) {}; Case(2) {} } }.encode()
        }
        #expect(throws: DSLError.multipleDefaults) {
            try Compound { Switch(1) { Default {}; Default {} } }.encode()
        }
        let v = Var("v")
        #expect(throws: DSLError.self) {
            try Compound { v <- Call(.read, 1, 2, 3, 4, 5, 6, 7) }.encode()
        }
        #expect(DSLError.undefinedLabel("x").description == "Goto(\"x\") has no matching Label(\"x\")")
    }

    @Test func runawayLoopIsBoundedByMaxExecuted() throws {
        var program = Compound { Label("spin"); Goto("spin") }
        program.maxExecuted = 50
        let encoded = try program.encode().encoded
        #expect(encoded.words[2] >> 32 == 50)
        var x = ReferenceExecutor()
        #expect(throws: ReferenceExecutor.Failure.loop) { try x.run(encoded.words, limit: 50) }
    }
}

@Suite struct ExecutedCountTests {
    /// The counts cosy-micro checks its runs against.
    @Test func forLoopExecutesThreeEntriesPerIterationPlusThree() throws {
        let i = Var("i"), r = Var("r")
        let program = try Compound {
            For(i <- 0, i < Expr.constant(100), i <- i + 1) { r <- Call(.getppid) }
        }.encode()
        var x = ReferenceExecutor()
        try x.run(program.encoded.words)
        #expect(x.executed == 3 * 100 + 3)
        let empty = try Compound { For(i <- 0, i < Expr.constant(100), i <- i + 1) {} }.encode()
        try x.run(empty.encoded.words)
        #expect(x.executed == 2 * 100 + 3)
    }
}
