import CCosy
import Testing

@testable import CosyKit

/// Golden vectors: the byte layout written out by hand from
/// include/uapi/linux/cosy.h, not produced by the encoder.
@Suite struct EncoderGoldenTests {
    /// `do { rlen = read(3, buf, 4096); wlen = write(4, buf, rlen); } while (wlen == 4096)`
    @Test func paperCopyLoop() throws {
        let encoded = try Fixtures.manualCopyLoop().encoder.encode()

        let expected: [UInt64] = [
            0x0000_0001_5953_4f43,  // magic "COSY", version 1, flags 0
            0x0000_0014_0000_0003,  // nr_entries 3, len_words 20
            0x0000_0000_0000_0002,  // nr_slots 2, max_exec 0 (default)
            0xffff_ffff_0000_0000,  // executed 0, fail_entry COSY_ENTRY_NONE
            0, 0,  // resv
            0, 0,  // slots rlen, wlen
            0x0000_0000_0000_0301,  // SYSCALL nargs 3, argref 0, dst 0, aux read(0)
            3, 0x1000, 4096,
            0x0001_0001_0004_0301,  // SYSCALL nargs 3, argref 0b100, dst 1, aux write(1)
            4, 0x1000, 0,
            0x0001_ffff_0002_0304,  // JUMP nargs 3, argref 0b010, dst none, aux EQ(1)
            0, 1, 4096,
        ]
        #expect(encoded.words == expected)
        #expect(encoded.slotCount == 2)
        #expect(encoded.entryCount == 3)
    }

    @Test func arithmeticAssignAndUnconditionalJump() throws {
        var c = CompoundEncoder()
        c.maxExecuted = 100
        let i = c.slot(initial: -1)
        let end = c.makeLabel()
        c.assign(i, 7)
        c.arithmetic(i, .slot(i), .shiftLeft, 2)
        c.jump(to: end)
        c.nop()
        c.place(end)
        let w = try c.encode().words
        #expect(w[1] == 0x0000_000f_0000_0004)  // 4 entries, 15 words
        #expect(w[2] == 0x0000_0064_0000_0001)  // 1 slot, max_exec 100
        #expect(w[6] == UInt64(bitPattern: -1))
        #expect(w[7] == 0x0000_0000_0000_0102)  // ASSIGN nargs 1 dst 0
        #expect(w[8] == 7)
        #expect(w[9] == 0x0008_0000_0001_0203)  // ARITH nargs 2 argref 1 dst 0 SHL(8)
        #expect(Array(w[10...11]) == [0, 2])
        #expect(w[12] == 0x0000_ffff_0000_0104)  // JUMP ALWAYS nargs 1
        #expect(w[13] == 4)  // target: end of compound
        #expect(w[14] == 0x0000_ffff_0000_0000)  // NOP
        #expect(w.count == 15)
    }

    @Test func headerLayoutMatchesUAPI() {
        #expect(MemoryLayout<cosy_header>.size == 48)
        #expect(MemoryLayout<cosy_entry>.size == 8)
        #expect(MemoryLayout<cosy_params>.size == Int(COSY_PARAMS_SIZE_VER0))
        #expect(EncodedCompound.slotOffset == 6)
    }

    @Test func rejectsInvalidPrograms() {
        var c = CompoundEncoder()
        let nowhere = c.makeLabel()
        c.jump(to: nowhere)
        #expect(throws: CompoundError.unplacedLabel(nowhere)) { try c.encode() }

        var d = CompoundEncoder()
        d.syscall(.read, arguments: Array(repeating: 1, count: 7))
        #expect(throws: CompoundError.tooManyArguments(entry: 0, count: 7)) { try d.encode() }

        var other = CompoundEncoder()
        _ = other.slot()
        let foreign = other.slot()
        var e = CompoundEncoder()
        e.assign(foreign, 1)
        #expect(throws: CompoundError.foreignSlot(entry: 0, foreign)) { try e.encode() }

        var f = CompoundEncoder()
        let l = f.makeLabel()
        f.place(l)
        f.nop()
        f.place(l)
        #expect(throws: CompoundError.labelPlacedTwice(l)) { try f.encode() }
    }

    @Test func errnoDecodesKernelResults() {
        #expect(Errno(kernelResult: -14) == .badAddress)
        #expect(Errno(kernelResult: 4096) == nil)
        #expect(Errno(kernelResult: -5000) == nil)
        #expect(Errno.invalidArgument.description.hasPrefix("EINVAL"))
    }
}
