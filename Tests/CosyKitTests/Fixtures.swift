@testable import CosyKit

/// Programs several suites build the same way.
enum Fixtures {
    /// The paper's loop with the plain encoder:
    /// `do { rlen = read(3, 0x1000, 4096); wlen = write(4, 0x1000, rlen); } while (wlen == 4096)`.
    static func manualCopyLoop() -> (encoder: CompoundEncoder, rlen: Slot, wlen: Slot) {
        var c = CompoundEncoder()
        let rlen = c.slot(), wlen = c.slot()
        let top = c.makeLabel()
        c.place(top)
        c.syscall(.read, .fd(3), .value(0x1000), 4096, into: rlen)
        c.syscall(.write, .fd(4), .value(0x1000), .slot(rlen), into: wlen)
        c.jump(to: top, if: .equal, .slot(wlen), 4096)
        return (c, rlen, wlen)
    }
}
