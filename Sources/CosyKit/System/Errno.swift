#if canImport(Glibc)
import Glibc
#endif

/// An error number from a system call: the C `errno` values.
///
/// Results stored in a compound's slots use the kernel convention: a value
/// in `-4095 ... -1` is `-errno`. ``Errno/init(kernelResult:)`` decodes it.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The errno carried by a kernel-style result (`-errno`), or nil for a
    /// success value.
    public init?(kernelResult value: Int64) {
        guard value < 0, value >= -4095 else { return nil }
        self.rawValue = Int32(-value)
    }

    /// The current thread's `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    /// `EPERM`
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `ENOENT`
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// `EINTR`
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EBADF`
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// `EFAULT`
    public static let badAddress = Errno(rawValue: EFAULT)
    /// `EEXIST`
    public static let fileExists = Errno(rawValue: EEXIST)
    /// `EINVAL`
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// `ENXIO`
    public static let noSuchDeviceOrAddress = Errno(rawValue: ENXIO)
    /// `E2BIG`
    public static let argListTooLong = Errno(rawValue: E2BIG)
    /// `EDOM`
    public static let outOfDomain = Errno(rawValue: EDOM)
    /// `ELOOP`
    public static let tooManySymbolicLinkLevels = Errno(rawValue: ELOOP)
    /// `ENOSYS`
    public static let noFunction = Errno(rawValue: ENOSYS)

    /// The symbolic name (`EINVAL`) and the C library's message.
    public var description: String {
        let message = String(cString: strerror(rawValue))
        return "\(Errno.names[rawValue] ?? "errno \(rawValue)") (\(message))"
    }

    static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF",
        EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EFAULT: "EFAULT", EEXIST: "EEXIST",
        EINVAL: "EINVAL", ENXIO: "ENXIO", E2BIG: "E2BIG", EDOM: "EDOM", ELOOP: "ELOOP",
        ENOSYS: "ENOSYS", ENOSPC: "ENOSPC", ERANGE: "ERANGE",
    ]
}

/// Calls `body` until it returns something other than -1 with `EINTR`
/// (when `retryOnInterrupt`), mapping -1 to the current errno.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(
    retryOnInterrupt: Bool = true, _ body: () -> T
) -> Result<T, Errno> {
    while true {
        let value = body()
        if value != -1 { return .success(value) }
        let err = Errno.current
        if retryOnInterrupt && err == .interrupted { continue }
        return .failure(err)
    }
}
