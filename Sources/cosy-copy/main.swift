// cosy-copy: the paper's example. Copies a file in fixed-size chunks with
// a read/write loop, as plain system calls (VAN) or as one compound (COSY),
// verifies the copy and reports timings.
import CosyKit
import GuestKit
#if canImport(Glibc)
import Glibc
#endif

let usage = """
    USAGE: cosy-copy [--config van|cosy] [--chunk 4K] [--reps N] [--cold] [--bench] SRC DST

    Copies SRC to DST in --chunk sized read/write calls and checks DST equals SRC.
      --config LIST  comma-separated configurations to run (default: van)
      --reps N       repetitions of each configuration (default: 1)
      --cold         drop the page cache before each repetition
      --bench        print one COSY-RESULT line per repetition
    """

/// One way of running the copy loop.
enum CopyConfiguration: String, CaseIterable {
    case van = "VAN"
    case cosy = "COSY"
}

struct Copier {
    let chunk: Int
    let buffer: AlignedBuffer
    var cosy: CosyContext?
    var compound: EncodedCompound?

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

    mutating func copy(_ config: CopyConfiguration, from src: FileDescriptor,
                       to dst: FileDescriptor) throws -> Int64 {
        switch config {
        case .van: try copyPlain(from: src, to: dst)
        case .cosy: try copyCompound(from: src, to: dst)
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
            options.fail("unknown configuration '\(name)' (use van or cosy)")
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
