import CCosy
#if canImport(Glibc)
import Glibc
#endif

/// Why a user function could not be loaded.
public enum UserFunctionError: Error, CustomStringConvertible {
    /// The object file could not be read or is not a BPF ELF object.
    case badObject(String)
    /// The kernel's verifier rejected the program; `log` is its log.
    case rejected(Errno, log: String)

    public var description: String {
        switch self {
        case .badObject(let why): "not a usable BPF object: \(why)"
        case .rejected(let e, let log):
            "the kernel rejected the user function: \(e)"
                + (log.isEmpty ? "" : "\nverifier log:\n\(log)")
        }
    }
}

/// A user function: an eBPF program of type BPF_PROG_TYPE_COSY, checked by
/// the kernel's verifier and JIT-compiled, that a compound calls on a
/// window of the fast buffer. Written in C and compiled with
/// `clang -O2 -target bpf -c f.c`; the program is the ELF section named
/// `section` (default `cosy`), with no maps or relocations.
public final class UserFunction {
    /// The program's file descriptor (the argument of a call entry).
    public let fd: Int32

    /// Loads the program in `section` of the BPF ELF object at `path`.
    /// - Throws: ``UserFunctionError/rejected(_:log:)`` with the verifier
    ///   log when the kernel refuses it.
    public init(objectFile path: String, section: String = "cosy", name: String = "cosy_fn") throws(UserFunctionError) {
        let bytes = try Self.read(path)
        let object = try BPFObject(bytes)
        guard let code = object.section(named: section) else {
            throw .badObject("\(path) has no section '\(section)' (sections: \(object.sectionNames.joined(separator: ", ")))")
        }
        guard code.count % 8 == 0, !code.isEmpty else {
            throw .badObject("section '\(section)' is not a whole number of instructions")
        }
        let license = object.section(named: "license").map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } ?? "GPL"
        fd = try Self.load(instructions: code, license: license, name: name)
    }

    /// Loads raw instructions (8 bytes each).
    public init(instructions: [UInt8], license: String = "GPL", name: String = "cosy_fn") throws(UserFunctionError) {
        fd = try Self.load(instructions: instructions, license: license, name: name)
    }

    deinit { close(fd) }

    /// Loads without a log first (a verbose log of a large program can
    /// overflow any buffer: ENOSPC); on failure loads again with the log,
    /// to say why.
    static func load(instructions: [UInt8], license: String, name: String) throws(UserFunctionError) -> Int32 {
        func attempt(logSize: Int) -> (Int, Errno, String) {
            var log = [CChar](repeating: 0, count: max(logSize, 1))
            let fd = instructions.withUnsafeBytes { code in
                log.withUnsafeMutableBufferPointer { logBuf in
                    cosy_sys_bpf_prog_load(UInt32(COSY_BPF_PROG_TYPE), code.baseAddress, UInt32(code.count / 8),
                                           license, name, logSize > 0 ? logBuf.baseAddress : nil, UInt32(logSize))
                }
            }
            let err = Errno.current
            return (fd, err, String(cString: log).trimmingCharacters())
        }
        let (fd, err, _) = attempt(logSize: 0)
        if fd >= 0 { return Int32(fd) }
        let (again, _, log) = attempt(logSize: 1 << 20)
        if again >= 0 { return Int32(again) }
        throw .rejected(err, log: log)
    }

    static func read(_ path: String) throws(UserFunctionError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .badObject("cannot open \(path): \(Errno.current)") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw .badObject("cannot read \(path): \(Errno.current)") }
            if n == 0 { return out }
            out += chunk[..<n]
        }
    }
}

/// The little of ELF64 a BPF object needs: named sections.
struct BPFObject {
    let bytes: [UInt8]
    let sections: [(name: String, offset: Int, size: Int)]

    var sectionNames: [String] { sections.map(\.name).filter { !$0.isEmpty } }

    init(_ bytes: [UInt8]) throws(UserFunctionError) {
        self.bytes = bytes
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> Int { u32(o) | u32(o + 4) << 32 }
        guard bytes.count >= 64, bytes[0...3] == [0x7f, 0x45, 0x4c, 0x46] else { throw .badObject("not an ELF file") }
        guard bytes[4] == 2, bytes[5] == 1 else { throw .badObject("not a 64-bit little-endian ELF object") }
        guard u16(18) == 247 else { throw .badObject("machine \(u16(18)) is not BPF (247); compile with -target bpf") }
        let shoff = u64(40), shentsize = u16(58), shnum = u16(60), shstrndx = u16(62)
        guard shentsize == 64, shoff > 0, shoff + shnum * 64 <= bytes.count, shstrndx < shnum else {
            throw .badObject("bad section header table")
        }
        func header(_ i: Int) -> (nameOff: Int, offset: Int, size: Int, type: Int) {
            let h = shoff + i * 64
            return (u32(h), u64(h + 24), u64(h + 32), u32(h + 4))
        }
        let strtab = header(shstrndx)
        var found: [(String, Int, Int)] = []
        for i in 0..<shnum {
            let h = header(i)
            guard h.offset + (h.type == 8 ? 0 : h.size) <= bytes.count, strtab.offset + h.nameOff < bytes.count else {
                throw .badObject("section \(i) lies outside the file")
            }
            let nameBytes = bytes[(strtab.offset + h.nameOff)...].prefix { $0 != 0 }
            found.append((String(decoding: nameBytes, as: UTF8.self), h.offset, h.type == 8 ? 0 : h.size))
        }
        sections = found
    }

    func section(named name: String) -> [UInt8]? {
        sections.first { $0.name == name }.map { Array(bytes[$0.offset..<($0.offset + $0.size)]) }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
