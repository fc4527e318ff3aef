// cosy-copy: the paper's example. Copies a file in fixed-size chunks with
// a read/write loop, as plain system calls (VAN) or as one compound (COSY);
// beside them the peers a user would pick today: io_uring (linked
// read→write pairs, 32 in flight) and copy_file_range (the in-kernel
// limit, one call for as much as it takes). Verifies every copy and
// reports timings.
import CCosy
import CURing
import CosyKit
import GuestKit
#if canImport(Glibc)
import Glibc
#endif

let usage = """
    USAGE: cosy-copy [--config van|cosy] [--chunk 4K] [--reps N] [--cold] [--bench] SRC DST

    Copies SRC to DST in --chunk sized read/write calls and checks DST equals SRC.
      --config LIST  comma-separated configurations to run (default: van):
                     van, cosy, cosy-fast, cosy-fast-buf, io_uring, copy_file_range
      --reps N       repetitions of each configuration (default: 1)
      --cold         drop the page cache before each repetition
      --bench        print one COSY-RESULT line per repetition
    """

/// One way of running the copy loop.
enum CopyConfiguration: String, CaseIterable {
    case van = "VAN"
    case cosy = "COSY"
    /// Zero-copy calls on the fast buffer; read→write fused into a splice.
    case cosyFast = "COSY-FAST"
    /// Zero-copy calls through the fast buffer, without the splice fusion.
    case cosyFastBuffer = "COSY-FAST-BUF"
    case ioUring = "IO_URING"
    case copyFileRange = "COPY_FILE_RANGE"
}

struct Copier {
    let chunk: Int
    let buffer: AlignedBuffer
    var cosy: CosyContext?
    var ring: OpaquePointer?
    var ringBuffers: AlignedBuffer?
    static let ringDepth = 32

    init(chunk: Int) {
        self.chunk = chunk
        buffer = AlignedBuffer(count: chunk)
    }

    /// VAN: `do { r = read(); w = write(r) } while (w == chunk)`.
    func copyPlain(from src: FileDescriptor, to dst: FileDescriptor) throws -> Int64 {
        var total: Int64 = 0
        while true {
            let r = try src.read(into: buffer.bytes)
            if r == 0 { break }
            let w = try dst.write(UnsafeRawBufferPointer(rebasing: buffer.bytes[..<r]))
            total += Int64(w)
            if w != chunk { break }
        }
        return total
    }

    /// COSY: the same loop, encoded once, executed by one `cosy_run`.
    mutating func copyCompound(from src: FileDescriptor, to dst: FileDescriptor) throws -> Int64 {
        if cosy == nil { cosy = try CosyContext() }
        var c = CompoundEncoder()
        let rlen = c.slot(), wlen = c.slot(), total = c.slot()
        let top = c.makeLabel()
        c.place(top)
        c.syscall(.read, .fd(src.rawValue), .pointer(buffer.bytes.baseAddress!),
                  .value(Int64(chunk)), into: rlen)
        c.syscall(.write, .fd(dst.rawValue), .pointer(buffer.bytes.baseAddress!),
                  .slot(rlen), into: wlen)
        c.arithmetic(total, .slot(total), .add, .slot(wlen))
        c.jump(to: top, if: .equal, .slot(wlen), .value(Int64(chunk)))
        let encoded = try c.encode()
        try cosy!.run(encoded)
        for s in [rlen, wlen] {
            if let e = Errno(kernelResult: cosy![s]) { throw e }
        }
        return cosy![total]
    }

    /// COSY-FAST: `do { r = fast_read(in, 0, chunk); w = fast_write(out, 0, r) }
    /// while (w == chunk)`: data stays in the kernel; with `splice` the
    /// kernel may move it file to file in one copy.
    mutating func copyFast(from src: FileDescriptor, to dst: FileDescriptor, splice: Bool) throws -> Int64 {
        if cosy == nil { cosy = try CosyContext() }
        guard chunk <= cosy!.fastBuffer.count else { throw Errno(rawValue: E2BIG) }
        let rlen = Var("rlen"), wlen = Var("wlen"), total = Var("total")
        let program = try Compound {
            DoWhile(wlen == Expr.constant(Int64(chunk))) {
                rlen <- Fast.read(src, offset: 0, length: chunk, splice: splice)
                wlen <- Fast.write(dst, offset: 0, length: rlen)
                total <- total + wlen
            }
        }.encode()
        try cosy!.run(program)
        for v in [rlen, wlen] {
            if let e = Errno(kernelResult: cosy!.value(of: v, in: program)!) { throw e }
        }
        return cosy!.value(of: total, in: program)!
    }

    /// io_uring: per chunk a read linked to a write at the same offset,
    /// `ringDepth` pairs per submission.
    mutating func copyRing(from src: FileDescriptor, to dst: FileDescriptor) throws -> Int64 {
        if ring == nil {
            guard let r = cosy_uring_open(UInt32(2 * Copier.ringDepth)) else { throw Errno.current }
            ring = r
            ringBuffers = AlignedBuffer(count: chunk * Copier.ringDepth)
        }
        let size = try src.size()
        let base = ringBuffers!.bytes.baseAddress!
        var offset: Int64 = 0, total: Int64 = 0
        while offset < size {
            var queued = 0, expected: Int64 = 0
            while queued < Copier.ringDepth && offset < size {
                let len = Int(min(Int64(chunk), size - offset))
                let rc = cosy_uring_queue_copy(ring, src.rawValue, dst.rawValue,
                                               base + queued * chunk, UInt32(len), UInt64(offset))
                if rc < 0 { throw Errno(rawValue: -rc) }
                offset += Int64(len)
                expected += Int64(len)
                queued += 1
            }
            let rc = cosy_uring_submit_and_wait(ring, UInt32(2 * queued))
            if rc < 0 { throw Errno(rawValue: -rc) }
            var done: Int64 = 0, result: Int32 = 0
            for _ in 0..<(2 * queued) {
                guard cosy_uring_pop(ring, &result) == 1 else { throw Errno(rawValue: EIO) }
                if result < 0 { throw Errno(rawValue: -result) }
                done += Int64(result)
            }
            guard done == 2 * expected else { throw Errno(rawValue: EIO) }
            total += expected
        }
        return total
    }

    /// copy_file_range(2) until it returns 0.
    func copyInKernel(from src: FileDescriptor, to dst: FileDescriptor) throws -> Int64 {
        var total: Int64 = 0
        while true {
            let n = try valueOrErrnoResult {
                cosy_sys_copy_file_range(src.rawValue, dst.rawValue, 1 << 30)
            }
            if n == 0 { return total }
            total += Int64(n)
        }
    }

    mutating func copy(_ config: CopyConfiguration, from src: FileDescriptor,
                       to dst: FileDescriptor) throws -> Int64 {
        switch config {
        case .van: try copyPlain(from: src, to: dst)
        case .cosy: try copyCompound(from: src, to: dst)
        case .cosyFast: try copyFast(from: src, to: dst, splice: true)
        case .cosyFastBuffer: try copyFast(from: src, to: dst, splice: false)
        case .ioUring: try copyRing(from: src, to: dst)
        case .copyFileRange: try copyInKernel(from: src, to: dst)
        }
    }
}

/// Checksums a whole file with plain reads (outside the timed region).
func checksum(_ path: String) throws -> (FNV1a, Int64) {
    let fd = try FileDescriptor.open(path, O_RDONLY)
    return try fd.closeAfter {
        let buf = AlignedBuffer(count: 1 << 16)
        var h = FNV1a(), n: Int64 = 0
        while true {
            let r = try fd.read(into: buf.bytes)
            if r == 0 { break }
            h.update(UnsafeRawBufferPointer(rebasing: buf.bytes[..<r]))
            n += Int64(r)
        }
        return (h, n)
    }
}

func main() -> Int32 {
    let options = GuestOptions(
        Array(CommandLine.arguments.dropFirst()), valued: ["config", "chunk", "reps"],
        flags: ["cold", "bench"], usage: usage)
    guard options.positionals.count == 2 else { options.fail("expected SRC and DST") }
    let (srcPath, dstPath) = (options.positionals[0], options.positionals[1])
    let chunk = options.size("chunk", default: 4096)
    guard chunk > 0 else { options.fail("--chunk must be positive") }
    guard let reps = Int(options.string("reps", default: "1")), reps > 0 else {
        options.fail("--reps must be a positive number")
    }
    var configs: [CopyConfiguration] = []
    for name in options.string("config", default: "van").split(separator: ",") {
        guard let c = CopyConfiguration(rawValue: name.uppercased()) else {
            options.fail("unknown configuration '\(name)' (use van, cosy, cosy-fast, cosy-fast-buf, io_uring, copy_file_range)")
        }
        configs.append(c)
    }

    do {
        let (srcSum, srcSize) = try checksum(srcPath)  // also warms the cache
        var copier = Copier(chunk: chunk)
        var failures = 0
        for rep in 1...reps {
            for config in configs {
                unlink(dstPath)
                if options.flags.contains("cold") { dropCaches() }
                let src = try FileDescriptor.open(srcPath, O_RDONLY)
                let dst = try FileDescriptor.open(dstPath, O_WRONLY | O_CREAT | O_TRUNC)
                let (m, copied) = try Measurement.of { try copier.copy(config, from: src, to: dst) }
                try src.close()
                try dst.close()
                let (dstSum, dstSize) = try checksum(dstPath)
                let ok = copied == srcSize && dstSize == srcSize && dstSum.value == srcSum.value
                if !ok { failures += 1 }
                let record = ResultRecord(
                    workload: "copy", configuration: config.rawValue, repetition: rep,
                    measurement: m, parameters: [("bytes", srcSize), ("chunk", Int64(chunk))],
                    outputChecksum: dstSum.hex, verified: ok)
                if options.flags.contains("bench") {
                    record.emit()
                } else {
                    print("\(config.rawValue): copied \(copied) bytes in "
                          + "\(m.elapsedNanoseconds / 1000) us, "
                          + (ok ? "identical" : "MISMATCH (\(dstSize) bytes, \(dstSum.hex))"))
                }
            }
        }
        return failures == 0 ? 0 : 1
    } catch let error as CosyError {
        printError("cosy-copy: \(error)")
        return 1
    } catch {
        printError("cosy-copy: \(error)")
        return 1
    }
}

exit(main())

/// Runs `body` until it returns something other than -1/EINTR; -1 throws errno.
func valueOrErrnoResult(_ body: () -> Int) throws -> Int {
    while true {
        let v = body()
        if v != -1 { return v }
        if errno != EINTR { throw Errno.current }
    }
}
