// cosy-examples: the documented CosyKit DSL examples (docs/dsl.md), compiled
// into the guest and run against the patched kernel. Prints TAP; exit 0
// when every example produced what plain system calls produce.
import CosyKit
import GuestKit
#if canImport(Glibc)
import Glibc
#endif

var failures = 0
var number = 0
let examples = 6
print("TAP version 13\n1..\(examples)")

@MainActor func report(_ name: String, _ body: () throws -> String?) {
    number += 1
    do {
        if let problem = try body() {
            failures += 1
            print("not ok \(number) - \(name)\n# \(problem)")
        } else {
            print("ok \(number) - \(name)")
        }
    } catch {
        failures += 1
        print("not ok \(number) - \(name)\n# \(error)")
    }
    fflush(nil)
}

func fileChecksum(_ path: String) throws -> UInt64 {
    let fd = try FileDescriptor.open(path, O_RDONLY)
    return try fd.closeAfter {
        let buf = AlignedBuffer(count: 1 << 16)
        var h = FNV1a()
        while true {
            let n = try fd.read(into: buf.bytes)
            if n == 0 { return h.value }
            h.update(UnsafeRawBufferPointer(rebasing: buf.bytes[..<n]))
        }
    }
}

let cosy: CosyContext
do {
    cosy = try CosyContext()
} catch {
    print("Bail out! \(error)")
    exit(1)
}
let source = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/data/copy/src"

// Example 1: the paper's copy loop.
report("paper copy loop") {
    let src = try FileDescriptor.open(source, O_RDONLY)
    let dst = try FileDescriptor.open("/tmp/example-copy", O_WRONLY | O_CREAT | O_TRUNC)
    defer { try? src.close(); try? dst.close() }
    let buf = AlignedBuffer(count: 4096)
    let rlen = Var("rlen"), wlen = Var("wlen")
    let copy = try Compound {
        DoWhile(wlen == 4096) {
            rlen <- Call(.read, src, Expr.pointer(buf.bytes.baseAddress!), 4096)
            wlen <- Call(.write, dst, Expr.pointer(buf.bytes.baseAddress!), rlen)
        }
    }.encode()
    try cosy.run(copy)
    return try fileChecksum(source) == fileChecksum("/tmp/example-copy") ? nil : "copy differs"
}

// Example 2: loops, if/else and switch computed in the kernel.
report("loops, if and switch") {
    let i = Var("i"), odd = Var("odd"), even = Var("even"), kind = Var("kind")
    let program = try Compound {
        For(i <- 0, i < 100, i <- i + 1) {
            If(i % 2 == 0) { even <- even + i } else: { odd <- odd + i }
        }
        Switch(odd - even) {
            Case(50) { kind <- 1 }
            Case(-50) { kind <- 2 }
            Default { kind <- 3 }
        }
    }.encode()
    try cosy.run(program)
    let got = [odd, even, kind].map { cosy.value(of: $0, in: program)! }
    return got == [2500, 2450, 1] ? nil : "got \(got), want [2500, 2450, 1]"
}

// Example 3: labels and goto: retry a call until it succeeds (here: an
// open that fails twice because the file is created on the third try).
report("labels and goto") {
    let tries = Var("tries"), fd = Var("fd")
    let path = "/tmp/example-goto"
    unlink(path)
    let name = Array(path.utf8CString)
    return try name.withUnsafeBufferPointer { p -> String? in
        let program = try Compound {
            Label("again")
            tries <- tries + 1
            If(tries == 3) { fd <- Call(.open, Expr.pointer(UnsafeRawPointer(p.baseAddress!)), 0o101, 0o644) }
                else: { fd <- Call(.open, Expr.pointer(UnsafeRawPointer(p.baseAddress!)), 0, 0) }
            If(fd < 0) { Goto("again") }
            Do(Call(.close, fd))
        }.encode()
        try cosy.run(program)
        let t = cosy.value(of: tries, in: program)!
        return t == 3 ? nil : "took \(t) tries, want 3"
    }
}

// Example 4: zero-copy stat into the fast buffer (cosy_stat).
report("zero-copy stat") {
    let fast = cosy.fastBuffer
    let path = Array(source.utf8) + [0]
    fast.copyBytes(from: path)
    let statOffset = 4096
    let r = Var("r")
    let program = try Compound { r <- Fast.stat(pathOffset: 0, statOffset: statOffset) }.encode()
    try cosy.run(program)
    guard cosy.value(of: r, in: program) == 0 else { return "fast stat returned \(cosy.value(of: r, in: program)!)" }
    let kernelStat = fast.loadUnaligned(fromByteOffset: statOffset, as: stat.self)
    var plain = stat()
    guard stat(source, &plain) == 0 else { return "stat failed" }
    return kernelStat.st_size == plain.st_size && kernelStat.st_ino == plain.st_ino
        ? nil : "size \(kernelStat.st_size) ino \(kernelStat.st_ino), want \(plain.st_size) \(plain.st_ino)"
}

// Example 5: zero-copy directory listing (getdents64 into the fast buffer).
report("zero-copy getdents64") {
    let dirPath = "/bin"
    let fd = try FileDescriptor.open(dirPath, O_RDONLY | O_DIRECTORY)
    defer { try? fd.close() }
    let n = Var("n"), total = Var("total")
    let program = try Compound {
        DoWhile(n > 0) {
            n <- Fast.getdents64(fd, offset: 0, length: 32768)
            If(n > 0) { total <- total + 1 }
        }
    }.encode()
    try cosy.run(program)
    guard cosy.value(of: n, in: program) == 0 else { return "getdents64 returned \(cosy.value(of: n, in: program)!)" }
    return cosy.value(of: total, in: program)! >= 1 ? nil : "no directory entries read"
}

// Example 6: a user function (verified eBPF) counting a string in the
// fast buffer.
report("user function counts a string") {
    let function = try UserFunction(objectFile: "/lib/cosy/count.o")
    let text = Array(String(repeating: "cosy lab, ", count: 37).utf8)
    cosy.fastBuffer.copyBytes(from: text)
    let needle = Array("cosy".utf8)
    var packed: Int64 = 0
    for (k, b) in needle.enumerated() { packed |= Int64(b) << (8 * Int64(k)) }
    let count = Var("count")
    let program = try Compound {
        count <- CallFunction(function.fd, offset: 0, length: text.count, packed, needle.count)
    }.encode()
    try cosy.run(program)
    let got = cosy.value(of: count, in: program)!
    return got == 37 ? nil : "counted \(got), want 37"
}

exit(failures == 0 ? 0 : 1)
