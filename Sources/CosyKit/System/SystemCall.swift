/// An x86_64 system call number, as used in compound entries.
///
/// Only the calls CosyKit's users name are listed; any number can be made
/// with ``init(rawValue:)``. Numbers are from
/// `arch/x86/entry/syscalls/syscall_64.tbl`.
public struct SystemCall: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let read = SystemCall(rawValue: 0)
    public static let write = SystemCall(rawValue: 1)
    public static let open = SystemCall(rawValue: 2)
    public static let close = SystemCall(rawValue: 3)
    public static let stat = SystemCall(rawValue: 4)
    public static let fstat = SystemCall(rawValue: 5)
    public static let lstat = SystemCall(rawValue: 6)
    public static let lseek = SystemCall(rawValue: 8)
    public static let pread64 = SystemCall(rawValue: 17)
    public static let pwrite64 = SystemCall(rawValue: 18)
    public static let getpid = SystemCall(rawValue: 39)
    public static let fork = SystemCall(rawValue: 57)
    public static let vfork = SystemCall(rawValue: 58)
    public static let execve = SystemCall(rawValue: 59)
    public static let exit = SystemCall(rawValue: 60)
    public static let getppid = SystemCall(rawValue: 110)
    public static let getdents64 = SystemCall(rawValue: 217)
    public static let exitGroup = SystemCall(rawValue: 231)
    public static let openat = SystemCall(rawValue: 257)
    public static let copyFileRange = SystemCall(rawValue: 326)
    public static let statx = SystemCall(rawValue: 332)
    public static let cosyInit = SystemCall(rawValue: 463)
    public static let cosyRun = SystemCall(rawValue: 464)
    public static let cosyUninit = SystemCall(rawValue: 465)

    public var description: String {
        SystemCall.names[rawValue].map { "\($0)(\(rawValue))" } ?? "syscall \(rawValue)"
    }

    static let names: [UInt16: String] = [
        0: "read", 1: "write", 2: "open", 3: "close", 4: "stat", 5: "fstat", 6: "lstat",
        8: "lseek", 17: "pread64", 18: "pwrite64", 39: "getpid", 57: "fork", 58: "vfork",
        59: "execve", 60: "exit", 110: "getppid", 217: "getdents64", 231: "exit_group",
        257: "openat", 326: "copy_file_range", 332: "statx", 463: "cosy_init",
        464: "cosy_run", 465: "cosy_uninit",
    ]
}
