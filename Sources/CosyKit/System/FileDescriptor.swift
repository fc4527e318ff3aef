#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor (`int fd`), with the calls the guest programs
/// make through plain system calls (the VAN configuration).
public struct FileDescriptor: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `open(2)`; EINTR is retried.
    public static func open(
        _ path: String, _ flags: Int32, permissions: mode_t = 0o644
    ) throws(Errno) -> FileDescriptor {
        try valueOrErrno { Glibc.open(path, flags, permissions) }
            .map(FileDescriptor.init(rawValue:)).get()
    }

    /// `close(2)`; never retried.
    public func close() throws(Errno) {
        _ = try valueOrErrno(retryOnInterrupt: false) { Glibc.close(rawValue) }.get()
    }

    /// Runs `body`, then closes the descriptor.
    public func closeAfter<R>(_ body: () throws -> R) throws -> R {
        defer { _ = Glibc.close(rawValue) }
        return try body()
    }

    /// `read(2)` into `buffer`; returns the number of bytes read.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try valueOrErrno { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }.get()
    }

    /// `write(2)` from `buffer`; returns the number of bytes written.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try valueOrErrno { Glibc.write(rawValue, buffer.baseAddress, buffer.count) }.get()
    }

    /// Writes all of `buffer`, looping over short writes.
    public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        var done = 0
        while done < buffer.count {
            done += try write(UnsafeRawBufferPointer(rebasing: buffer[done...]))
        }
    }

    /// `lseek(2)` to `offset` from the start.
    public func seek(to offset: Int64) throws(Errno) {
        _ = try valueOrErrno(retryOnInterrupt: false) {
            Glibc.lseek(rawValue, off_t(offset), SEEK_SET)
        }.get()
    }

    /// `fstat(2)`: the file's size in bytes.
    public func size() throws(Errno) -> Int64 {
        var st = stat()
        _ = try valueOrErrno(retryOnInterrupt: false) { Glibc.fstat(rawValue, &st) }.get()
        return Int64(st.st_size)
    }
}

/// A page-aligned heap buffer, freed on deinit.
public final class AlignedBuffer {
    public let bytes: UnsafeMutableRawBufferPointer

    public init(count: Int, alignment: Int = 4096) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: alignment)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { bytes.deallocate() }
}
