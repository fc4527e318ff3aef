import CCosy
import Foundation
import Testing

@testable import CosyKit

/// The golden vectors in Tests/Golden/cosy_golden.h are shared with the
/// kernel's KUnit suite (kernel/cosy/cosy_kunit.c includes the same file):
/// this test checks that CosyKit still encodes each program to exactly
/// those words, and that the expectations the KUnit suite checks (decode
/// error, run error, executed count, a slot's value) agree with the
/// reference executor. `COSY_WRITE_GOLDEN=1 swift test --filter Golden`
/// rewrites the file after an intended change; review the diff.
@Suite struct GoldenVectorTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Golden/cosy_golden.h")

    struct Vector {
        var name: String
        var words: [UInt64]
        var decodeError: String = "0"
        var failEntry: String = "COSY_ENTRY_NONE"
        var pure = false
        var runError: String = "0"
        var executed = 0
        var checkSlot = 0
        var checkValue: Int64 = 0
        var comment: String
    }

    static func encoded(_ c: Compound) -> [UInt64] { try! c.encode().encoded.words }

    /// The vectors, built with the encoder and DSL.
    static func vectors() -> [Vector] {
        var out: [Vector] = []

        let copyWords = try! Fixtures.manualCopyLoop().encoder.encode().words
        out.append(Vector(name: "copy_loop", words: copyWords,
                          comment: "do { rlen = read(3, 0x1000, 4096); wlen = write(4, 0x1000, rlen); } while (wlen == 4096)"))

        let i = Var("i"), sum = Var("sum")
        out.append(Vector(name: "sum_loop", words: encoded(Compound {
            For(i <- 1, i <= Expr.constant(10), i <- i + 1) { sum <- sum + i }
        }), pure: true, checkSlot: 1, checkValue: 55,
            comment: "for (i = 1; i <= 10; i++) sum += i;  -> sum (slot 1) = 55"))

        let a = Var("a", initial: -7), b = Var("b"), c = Var("c"), d = Var("d"), e = Var("e"), f = Var("f"), r = Var("r")
        out.append(Vector(name: "arith", words: encoded(Compound {
            b <- a * Expr.constant(3)            // -21
            c <- b / Expr.constant(2)            // -10
            d <- c % Expr.constant(4)            // -2
            e <- d << Expr.constant(3)           // -16
            f <- e >> Expr.constant(60)          // 15 (logical shift)
            r <- (a ^ Expr.constant(5)) & Expr.constant(0xff)  // 0xfc = 252
            r <- r | Expr.constant(256)          // 508
            r <- r + f                           // 523
            r <- r - Expr.constant(1)            // 522 (DEC)
            r <- r + Expr.constant(1)            // 523 (INC)
            r <- r - c                           // 533
        }), pure: true, checkSlot: 6, checkValue: 533,
            comment: "signed mul/div/mod, shifts, xor/and/or, inc/dec  -> r (slot 6) = 533"))

        let x = Var("x", initial: 2), y = Var("y")
        out.append(Vector(name: "switch_jump", words: encoded(Compound {
            Switch(x) {
                Case(1) { y <- 10 }
                Case(2) { y <- 20 }
                Default { y <- 30 }
            }
        }), pure: true, checkSlot: 1, checkValue: 20,
            comment: "switch (x = 2) { case 1: y = 10; case 2: y = 20; default: y = 30 }  -> y (slot 1) = 20"))

        let p = Var("p", initial: 1), q = Var("q"), z = Var("z")
        out.append(Vector(name: "div_by_zero", words: encoded(Compound { z <- p / q }),
                          pure: true, runError: "-EDOM", executed: 1,
                          comment: "z = p / q with q = 0 stops the run with -EDOM at entry 0"))

        var spin = Compound { Label("spin"); Goto("spin") }
        spin.maxExecuted = 100
        out.append(Vector(name: "endless_loop", words: encoded(spin), pure: true, runError: "-ELOOP", executed: 100,
                          comment: "spin: goto spin; with max_exec = 100 -> -ELOOP after 100 entries"))

        var badMagic = copyWords
        badMagic[0] ^= 0x20  // "COSY" -> "cOSY"
        out.append(Vector(name: "bad_magic", words: badMagic, decodeError: "-EINVAL",
                          comment: "copy_loop with a wrong magic"))

        var longer = copyWords
        longer[1] += 1 << 32  // len_words one more than the entries take
        longer.append(0)
        out.append(Vector(name: "len_mismatch", words: longer, decodeError: "-EINVAL",
                          comment: "copy_loop whose len_words counts a trailing word no entry owns"))

        var jumpOut = copyWords
        jumpOut[jumpOut.count - 3] = 4  // jump target past nr_entries (3)
        out.append(Vector(name: "jump_out_of_range", words: jumpOut, decodeError: "-EINVAL", failEntry: "2",
                          comment: "copy_loop whose jump targets entry 4 of 3"))

        var slotOut = copyWords
        slotOut[slotOut.count - 5] = 2  // write's length refers to slot 2 of 2
        out.append(Vector(name: "slot_out_of_range", words: slotOut, decodeError: "-EINVAL", failEntry: "1",
                          comment: "copy_loop whose write refers to slot 2 of 2"))

        var denied = CompoundEncoder()
        denied.syscall(.exitGroup, 0)
        out.append(Vector(name: "denied_syscall", words: try! denied.encode().words, decodeError: "-EPERM", failEntry: "0",
                          comment: "exit_group(0) cannot run inside a compound"))

        var fast = CompoundEncoder()
        let fr = fast.slot(), fw = fast.slot()
        let again = fast.makeLabel()
        fast.place(again)
        fast.fast(.read(fd: .fd(3), offset: 0, length: 4096), into: fr, splice: true)
        fast.fast(.write(fd: .fd(4), offset: 0, length: .slot(fr)), into: fw)
        fast.jump(to: again, if: .equal, .slot(fw), 4096)
        out.append(Vector(name: "fast_copy_splice", words: try! fast.encode().words,
                          comment: "do { r = fast_read(3, 0, 4096) [splice]; w = fast_write(4, 0, r); } while (w == 4096)"))

        var badSplice = CompoundEncoder()
        let br = badSplice.slot()
        badSplice.fast(.read(fd: .fd(3), offset: 0, length: 4096), into: br, splice: true)
        badSplice.fast(.write(fd: .fd(4), offset: 64, length: .slot(br)))
        out.append(Vector(name: "splice_mismatch", words: try! badSplice.encode().words, decodeError: "-EINVAL",
                          failEntry: "0", comment: "a spliced fast_read whose write uses another offset"))

        // Expectations of the pure vectors come from the reference executor;
        // the hand-computed values above must agree with it.
        for (k, v) in out.enumerated() where v.pure {
            var model = ReferenceExecutor()
            do {
                try model.run(v.words, limit: Int(v.words[2] >> 32 == 0 ? 1 << 24 : v.words[2] >> 32))
                out[k].executed = model.executed
                out[k].runError = "0"
            } catch ReferenceExecutor.Failure.domain {
                out[k].runError = "-EDOM"
            } catch ReferenceExecutor.Failure.loop {
                out[k].runError = "-ELOOP"
            } catch {
                out[k].runError = "?"
            }
            if out[k].runError == "0" {
                precondition(model.slots[out[k].checkSlot] == v.checkValue,
                             "\(v.name): model says \(model.slots[out[k].checkSlot]), comment says \(v.checkValue)")
            }
        }
        return out
    }

    static func render(_ vectors: [Vector]) -> String {
        var s = """
            /* SPDX-License-Identifier: GPL-2.0 */
            /*
             * Golden compound encodings, shared by the Cosy KUnit suite
             * (kernel/cosy/cosy_kunit.c) and CosyKit's encoder tests
             * (Tests/CosyKitTests/GoldenVectorTests.swift), which check that the
             * Swift encoder produces exactly these words.  Expected results of the
             * "pure" vectors (no system or fast calls) come from CosyKit's
             * reference executor; the KUnit suite checks the kernel agrees.
             */
            #ifndef _COSY_GOLDEN_H
            #define _COSY_GOLDEN_H

            #include <linux/cosy.h>
            #include <linux/types.h>

            struct cosy_golden {
            \tconst char *name;
            \tconst __u64 *words;
            \tunsigned int nr_words;
            \tint decode_err;\t\t/* 0 or the -errno decoding returns */
            \t__u32 fail_entry;\t/* header.fail_entry after a failed decode */
            \tbool pure;\t\t/* no system or fast calls: KUnit runs it */
            \tint run_err;\t\t/* pure: 0 or the -errno the run returns */
            \t__u32 executed;\t\t/* pure: header.executed after the run */
            \t__u32 check_slot;\t/* pure, run_err == 0: a slot to check */
            \t__s64 check_value;\t/* and its value */
            };


            """
        for v in vectors {
            s += "/* \(v.comment) */\nstatic const __u64 cosy_golden_\(v.name)[] = {\n"
            for row in stride(from: 0, to: v.words.count, by: 3) {
                s += "\t" + v.words[row..<min(row + 3, v.words.count)]
                    .map { "0x" + String(repeating: "0", count: 16 - String($0, radix: 16).count) + String($0, radix: 16) }
                    .joined(separator: ", ") + ",\n"
            }
            s += "};\n\n"
        }
        s += "static const struct cosy_golden cosy_golden_vectors[] = {\n"
        for v in vectors {
            // Lines stay within checkpatch's 100 columns (a tab counts 8).
            let head = "{ \"\(v.name)\", cosy_golden_\(v.name),"
            let size = "ARRAY_SIZE(cosy_golden_\(v.name)),"
            if 8 + head.count + 1 + size.count <= 100 {
                s += "\t\(head) \(size)\n"
            } else {
                s += "\t\(head)\n\t  \(size)\n"
            }
            s += "\t  \(v.decodeError), \(v.failEntry), \(v.pure), \(v.runError), \(v.executed), \(v.checkSlot), \(v.checkValue) },\n"
        }
        s += "};\n\n#endif /* _COSY_GOLDEN_H */\n"
        return s
    }

    /// `name -> words` from the header.
    static func parse(_ text: String) -> [String: [UInt64]] {
        var result: [String: [UInt64]] = [:]
        let scanner = text.components(separatedBy: "static const __u64 cosy_golden_").dropFirst()
        for chunk in scanner {
            let name = String(chunk.prefix { $0 != "[" })
            let body = chunk[chunk.index(after: chunk.firstIndex(of: "{")!)..<chunk.firstIndex(of: "}")!]
            result[name] = body.split(whereSeparator: { ", \n\t".contains($0) })
                .compactMap { UInt64($0.dropFirst(2), radix: 16) }
        }
        return result
    }

    @Test func encoderMatchesTheSharedGoldenVectors() throws {
        let vectors = Self.vectors()
        if ProcessInfo.processInfo.environment["COSY_WRITE_GOLDEN"] == "1" {
            try Self.render(vectors).write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let text = try String(contentsOf: Self.file, encoding: .utf8)
        let stored = Self.parse(text)
        #expect(stored.count == vectors.count)
        for v in vectors {
            #expect(stored[v.name] == v.words, "vector \(v.name) differs from Tests/Golden/cosy_golden.h")
        }
        #expect(text == Self.render(vectors), "expectations in cosy_golden.h are stale; see COSY_WRITE_GOLDEN")
    }
}
