import Testing

@testable import CosyLab

@Suite struct CLITests {
    @Test func unknownSubcommandIsAUsageError() {
        #expect(CommandLineTool.main(arguments: ["frobnicate"]) == 64)
        #expect(CommandLineTool.main(arguments: []) == 64)
    }

    @Test(arguments: ["build", "image", "run", "bench", "report"])
    func unknownOptionIsAUsageError(_ command: String) {
        #expect(CommandLineTool.main(arguments: [command, "--no-such-option"]) == 64)
    }

    @Test(arguments: ["build", "image", "run", "bench", "report"])
    func everySubcommandHasHelp(_ command: String) throws {
        #expect(CommandLineTool.main(arguments: [command, "--help"]) == 0)
        let spec = try #require(CommandLineTool.subcommands.first { $0.spec.name == command }).spec
        #expect(spec.help.contains("OVERVIEW:"))
        #expect(spec.help.contains("USAGE: cosy-lab \(command)"))
        #expect(spec.help.contains("-h, --help"))
    }

    @Test func badValuesAreRejectedBeforeWork() {
        #expect(CommandLineTool.main(arguments: ["run", "--accel", "warp"]) == 64)
        #expect(CommandLineTool.main(arguments: ["run", "--timeout", "soon"]) == 64)
        #expect(CommandLineTool.main(arguments: ["run", "--timeout"]) == 64)
        #expect(CommandLineTool.main(arguments: ["bench", "--reps", "0"]) == 64)
        #expect(CommandLineTool.main(arguments: ["bench", "--workload", "nope"]) == 64)
        #expect(CommandLineTool.main(arguments: ["report", "--format", "pdf"]) == 64)
        #expect(CommandLineTool.main(arguments: ["build", "--source", "a", "--tarball", "b"]) == 64)
        #expect(CommandLineTool.main(arguments: ["build", "stray"]) == 64)
        #expect(CommandLineTool.main(arguments: ["build", "--", "x"]) == 64)
    }

    @Test func parsesOptionsFlagsAndPassthrough() throws {
        let parsed = try RunCommand.spec.parse(["-v", "--accel=tcg", "--timeout", "30", "--", "ls", "-l", "--weird"])
        #expect(parsed.flag("verbose"))
        #expect(parsed.value("accel") == "tcg")
        #expect(parsed.value("timeout") == "30")
        #expect(parsed.passthrough == ["ls", "-l", "--weird"])
        let error = #expect(throws: UsageError.self) { try RunCommand.spec.parse(["--accel", "x"]) }
        #expect(error?.description.contains("Usage: cosy-lab run") == true)
    }

    @Test func shellQuoting() {
        #expect(shellQuote("uname") == "uname")
        #expect(shellQuote("-r") == "-r")
        #expect(shellQuote("a b") == "'a b'")
        #expect(shellQuote("it's") == "'it'\\''s'")
        #expect(shellQuote("") == "''")
    }

    @Test func guestCommandLines() {
        #expect(guestCommand([]) == "uname -a")
        #expect(guestCommand(["a | b"]) == "a | b")
        #expect(guestCommand(["echo", "a b"]) == "echo 'a b'")
    }

    @Test func byteSizes() {
        #expect(ByteSize.parse("64M") == 64 << 20)
        #expect(ByteSize.parse("4k") == 4096)
        #expect(ByteSize.parse("123") == 123)
        #expect(ByteSize.parse("x") == nil)
        #expect(ByteSize.parse("-1") == nil)
        #expect(ByteSize.format(64 << 20) == "64M")
        #expect(ByteSize.format(1000) == "1000")
    }

    @Test func guestCommandLineCarriesTheCommand() throws {
        let line = Lab.cmdline(command: "echo 'hi there'")
        #expect(line.hasPrefix("console=ttyS0 panic=-1"))
        let b64 = try #require(line.split(separator: " ").first { $0.hasPrefix("cosy.cmd=") }?.dropFirst("cosy.cmd=".count))
        #expect(String(decoding: Data(base64Encoded: String(b64))!, as: UTF8.self) == "echo 'hi there'")
    }
}

import Foundation
