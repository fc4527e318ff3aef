// cosy-micro: microbenchmarks of the Cosy executor.
//   getppid      N getppid() calls made directly (VAN) vs in one compound (COSY)
//   entry-cost   the executor's cost per entry: a compound of N arithmetic
//                entries and jumps, no system call; elapsed / executed
//   decode       decode once vs every time: a straight-line compound of
//                --entries entries run --calls times, cached (CACHED) and
//                with COSY_RUN_NOCACHE (NOCACHE)
import CCosy
import CosyKit
import GuestKit
#if canImport(Glibc)
import Glibc
#endif

let usage = """
    USAGE: cosy-micro [--calls N] [--entries N] [--reps N] [--bench] getppid|entry-cost|decode ...

      --calls N   getppid calls, or loop iterations for entry-cost (default: 100000)
      --entries N entries of the decode benchmark's compound (default: 2000)
      --reps N    repetitions (default: 1)
      --bench     print one COSY-RESULT line per repetition
    """

/// Unrolled chunk of the getppid compound.
let getppidChunk = 1000

/// n getppid() calls as one compound: a loop over an unrolled chunk of
/// `getppidChunk` calls, so the loop's own entries are 0.2% of the total.
func getppidCompound(_ n: Int) throws -> CompiledCompound {
    let i = Var("i"), r = Var("r")
    let chunk = min(n, getppidChunk)
    return try Compound {
        For(i <- 0, i < Expr.constant(Int64(n / chunk)), i <- i + 1) {
            for _ in 0..<chunk { r <- Call(.getppid) }
        }
    }.encode()
}

/// Entries the getppid compound executes: 3 + iterations * (chunk + 2).
func getppidEntries(_ n: Int) -> Int {
    let chunk = min(n, getppidChunk)
    return 3 + (n / chunk) * (chunk + 2)
}

/// `for (i = 0; i < n; i++) ;` : only arithmetic and jumps.
func emptyLoopCompound(_ n: Int) throws -> CompiledCompound {
    let i = Var("i")
    var program = Compound {
        For(i <- 0, i < Expr.constant(Int64(n)), i <- i + 1) {}
    }
    program.maxExecuted = UInt32(min(Int(UInt32.max), 4 * n + 16))
    return try program.encode()
}

func main() -> Int32 {
    let options = GuestOptions(Array(CommandLine.arguments.dropFirst()), valued: ["calls", "reps", "entries"],
                               flags: ["bench"], usage: usage)
    let calls = options.size("calls", default: 100_000)
    guard let reps = Int(options.string("reps", default: "1")), reps > 0 else { options.fail("--reps must be positive") }
    guard !options.positionals.isEmpty else { options.fail("name a benchmark: getppid or entry-cost") }
    do {
        let cosy = try CosyContext()
        let parent = Int64(getppid())
        for rep in 1...reps {
            for name in options.positionals {
                var results: [(String, Measurement, Int64, Bool)] = []
                switch name {
                case "getppid":
                    guard calls % min(calls, getppidChunk) == 0 else {
                        options.fail("--calls must be a multiple of \(getppidChunk) for getppid")
                    }
                    let (van, ok) = Measurement.of { () -> Bool in
                        var same = true
                        for _ in 0..<calls { same = same && cosy_sys_getppid() == parent }
                        return same
                    }
                    results.append(("VAN", van, Int64(calls), ok))
                    let program = try getppidCompound(calls)
                    let (m, summary) = try Measurement.of { try cosy.run(program) }
                    results.append(("COSY", m, Int64(calls), summary.executed == getppidEntries(calls)))
                case "entry-cost":
                    let program = try emptyLoopCompound(calls)
                    let (m, summary) = try Measurement.of { try cosy.run(program) }
                    results.append(("COSY", m, Int64(summary.executed), summary.executed == 2 * calls + 3))
                case "decode":
                    let entries = options.size("entries", default: 2000)
                    let runs = min(calls, 1000)
                    // acc is reset by the compound: slots carry over between runs.
                    let acc = Var("acc")
                    let program = try Compound {
                        acc <- 0
                        for k in 0..<entries { acc <- acc + Expr.constant(Int64(k)) }
                    }.encode()
                    try cosy.load(program.encoded)
                    let expected = Int64(entries * (entries - 1) / 2)
                    for (config, flags) in [("CACHED", CosyContext.RunFlags()), ("NOCACHE", .noCache)] {
                        var ok = true
                        let (m, _) = try Measurement.of {
                            for _ in 0..<runs {
                                try cosy.run(flags: flags)
                                ok = ok && cosy.value(of: acc, in: program) == expected
                            }
                        }
                        results.append((config, m, Int64(runs), ok))
                    }
                default:
                    options.fail("unknown benchmark '\(name)'")
                }
                for (config, m, executed, ok) in results {
                    let record = ResultRecord(
                        workload: name, configuration: config, repetition: rep, measurement: m,
                        // "operations": what the report divides by for ns/op:
                        // calls, executed entries, or runs.
                        parameters: (name == "decode"
                            ? [("runs", Int64(min(calls, 1000))), ("entries", Int64(options.size("entries", default: 2000)))]
                            : [("calls", Int64(calls))]) + [("operations", name == "decode" ? Int64(min(calls, 1000)) : executed)],
                        outputChecksum: "", verified: ok)
                    if options.flags.contains("bench") {
                        record.emit()
                    } else {
                        let perOp = executed > 0 ? Double(m.elapsedNanoseconds) / Double(executed) : 0
                        print("\(name) \(config): \(m.elapsedNanoseconds / 1000) us for \(executed) operations, "
                              + "\(Int(perOp)) ns each" + (ok ? "" : " (UNEXPECTED RESULT)"))
                    }
                }
            }
        }
        return 0
    } catch {
        printError("cosy-micro: \(error)")
        return 1
    }
}

exit(main())
