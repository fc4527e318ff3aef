import Foundation
import Testing

@testable import CosyKit

@Suite struct UserFunctionTests {
    /// Compiles C to a BPF object with the Swift toolchain's clang.
    static func compile(_ source: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpf-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let c = dir.appendingPathComponent("f.c"), o = dir.appendingPathComponent("f.o")
        try source.write(to: c, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["clang", "-O2", "-target", "bpf", "-c", c.path, "-o", o.path]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = "/opt/swift/usr/bin:" + (env["PATH"] ?? "/usr/bin")
        p.environment = env
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "clang -target bpf failed")
        return o.path
    }

    @Test func findsTheProgramSectionOfAClangBPFObject() throws {
        let path = try Self.compile("""
            struct ctx { unsigned int data, data_end; unsigned long long args[3]; };
            __attribute__((section("cosy"), used)) int f(struct ctx *c) { return c->args[0] + 1; }
            char _license[] __attribute__((section("license"), used)) = "GPL";
            """)
        let object = try BPFObject(try UserFunction.read(path))
        let code = try #require(object.section(named: "cosy"))
        #expect(code.count % 8 == 0 && code.count >= 16)
        #expect(code.suffix(8) == [0x95, 0, 0, 0, 0, 0, 0, 0], "last instruction is BPF_EXIT")
        #expect(object.section(named: "license").map { Array($0.prefix(3)) } == Array("GPL".utf8))
    }

    @Test func rejectsNonBPFObjects() throws {
        #expect(throws: UserFunctionError.self) { try BPFObject(Array("not elf".utf8)) }
        // This test binary is x86-64 ELF, not BPF.
        let me = try UserFunction.read("/proc/self/exe")
        #expect(throws: UserFunctionError.self) { try BPFObject(Array(me.prefix(4096))) }
    }
}
