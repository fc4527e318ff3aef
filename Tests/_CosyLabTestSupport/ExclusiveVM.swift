import Foundation

/// Runs `body` while holding a host-wide lock, so the test suites' VM
/// boots (and the guests' timing-sensitive selftests) never compete for the
/// machine's cores with each other: Swift Testing runs suites in parallel.
public func withExclusiveVM<T>(_ body: () throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cosy-lab-vm-tests.lock").path
    let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return try body() }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
    defer { flock(fd, LOCK_UN) }
    return try body()
}

/// Runs a command-line tool (found on PATH) and returns its exit status and
/// combined stdout/stderr.
public func runTool(_ args: [String], in dir: URL? = nil, stdin: URL? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let dir { p.currentDirectoryURL = dir }
    if let stdin { p.standardInput = try FileHandle(forReadingFrom: stdin) }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
