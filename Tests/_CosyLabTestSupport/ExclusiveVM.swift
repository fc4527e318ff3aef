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
