import CCosy
#if canImport(Glibc)
import Glibc
#endif

/// Why a Cosy call failed.
public enum CosyError: Error, Equatable, CustomStringConvertible {
    /// The running kernel has no Cosy system calls (with what the probe
    /// call returned).
    case unsupportedKernel(Errno?)
    /// `cosy_init` failed.
    case initFailed(Errno)
    /// The compound does not fit in the compound buffer.
    case compoundTooLarge(bytes: Int, capacity: Int)
    /// `cosy_run` failed; `failedEntry` is the entry that stopped it, if any.
    case runFailed(Errno, failedEntry: Int?, executed: Int)
    /// `cosy_uninit` failed.
    case uninitFailed(Errno)

    public var description: String {
        switch self {
        case .unsupportedKernel(let errno):
            "this kernel has no Cosy system calls (cosy_init, syscall 463, "
                + (errno.map { "failed with \($0)" } ?? "did not answer as Cosy") + "); "
                + "boot the patched kernel, e.g. `cosy-lab run -- <command>`"
        case .initFailed(let e): "cosy_init failed: \(e)"
        case .compoundTooLarge(let bytes, let capacity):
            "compound is \(bytes) bytes but the compound buffer holds \(capacity); "
                + "pass a larger compoundSize to CosyContext"
        case .runFailed(let e, let entry, let executed):
            "cosy_run failed: \(e)"
                + (entry.map { " at entry \($0)" } ?? "") + " after \(executed) entries"
        case .uninitFailed(let e): "cosy_uninit failed: \(e)"
        }
    }
}

/// The outcome of one successful `cosy_run`.
public struct RunSummary: Equatable, Sendable {
    /// Entries executed.
    public var executed: Int
}

/// This process's Cosy state: the compound buffer and the fast buffer that
/// `cosy_init` mapped in. One per process; ``close()`` (or deinit) calls
/// `cosy_uninit`.
public final class CosyContext {
    /// The compound buffer (kernel pages mapped into this process).
    public let compoundBuffer: UnsafeMutableRawBufferPointer
    /// The fast buffer, for zero-copy entries and as an I/O buffer.
    public let fastBuffer: UnsafeMutableRawBufferPointer
    /// Bit n set: entry type n is supported by the running kernel.
    public let supportedOps: UInt64
    private var open = true

    /// Calls `cosy_init`.
    /// - Parameters:
    ///   - compoundSize: bytes for the compound buffer (0: kernel default)
    ///   - fastSize: bytes for the fast buffer (0: kernel default)
    /// - Throws: ``CosyError/unsupportedKernel`` on a kernel without Cosy,
    ///   ``CosyError/initFailed(_:)`` otherwise.
    public init(compoundSize: Int = 0, fastSize: Int = 0) throws(CosyError) {
        var params = cosy_params()
        params.compound_size = UInt32(compoundSize)
        params.fast_size = UInt32(fastSize)
        let result = valueOrErrno(retryOnInterrupt: false) {
            cosy_sys_init(&params, MemoryLayout<cosy_params>.size)
        }
        if case .failure(let errno) = result {
            // cosy_init itself fails only with these; anything else (ENOSYS,
            // or EBADF/EFAULT from setxattrat, which has number 463 from
            // Linux 6.13 on) means the kernel has no Cosy.
            let cosyErrnos: Set<Errno> = [.invalidArgument, .argListTooLong, .fileExists, .notPermitted, Errno(rawValue: ENOMEM)]
            throw cosyErrnos.contains(errno) ? .initFailed(errno) : .unsupportedKernel(errno)
        }
        // Syscall 463 means something else on kernels after 6.12
        // (setxattrat): a "success" that filled in no version is not Cosy.
        guard params.version == UInt32(COSY_VERSION) else { throw .unsupportedKernel(nil) }
        compoundBuffer = UnsafeMutableRawBufferPointer(
            start: UnsafeMutableRawPointer(bitPattern: UInt(params.compound_addr)),
            count: Int(params.compound_size))
        fastBuffer = UnsafeMutableRawBufferPointer(
            start: UnsafeMutableRawPointer(bitPattern: UInt(params.fast_addr)),
            count: Int(params.fast_size))
        supportedOps = params.ops
    }

    deinit { if open { _ = cosy_sys_uninit(0) } }

    /// Calls `cosy_uninit`; the buffers are unmapped.
    public func close() throws(CosyError) {
        guard open else { return }
        open = false
        if case .failure(let e) = valueOrErrno(retryOnInterrupt: false, { cosy_sys_uninit(0) }) {
            throw .uninitFailed(e)
        }
    }

    /// Copies `compound` into the compound buffer.
    public func load(_ compound: EncodedCompound) throws(CosyError) {
        guard compound.byteCount <= compoundBuffer.count else {
            throw .compoundTooLarge(bytes: compound.byteCount, capacity: compoundBuffer.count)
        }
        compound.words.withUnsafeBytes { compoundBuffer.copyMemory(from: $0) }
    }

    /// `cosy_run` flags.
    public struct RunFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Decode the compound even if it is unchanged since the last run
        /// (`COSY_RUN_NOCACHE`).
        public static let noCache = RunFlags(rawValue: UInt32(COSY_RUN_NOCACHE))
    }

    /// Calls `cosy_run` on the loaded compound.
    /// - Throws: ``CosyError/runFailed(_:failedEntry:executed:)`` with the
    ///   errno and the entry the kernel reports.
    @discardableResult
    public func run(flags: RunFlags = []) throws(CosyError) -> RunSummary {
        let result = valueOrErrno(retryOnInterrupt: false) { cosy_sys_run(flags.rawValue) }
        let header = compoundBuffer.loadUnaligned(as: cosy_header.self)
        let executed = Int(header.executed)
        if case .failure(let e) = result {
            let entry = header.fail_entry == COSY_ENTRY_NONE ? nil : Int(header.fail_entry)
            throw .runFailed(e, failedEntry: entry, executed: executed)
        }
        return RunSummary(executed: executed)
    }

    /// Loads and runs `compound`.
    @discardableResult
    public func run(_ compound: EncodedCompound) throws(CosyError) -> RunSummary {
        try load(compound)
        return try run()
    }

    /// Whether the running kernel supports entry type `op` (`enum cosy_op`).
    public func supports(_ op: cosy_op) -> Bool {
        op.rawValue < 64 && supportedOps & (1 << UInt64(op.rawValue)) != 0
    }

    /// The value slot `slot` held at the end of the last run.
    public subscript(slot: Slot) -> Int64 {
        let offset = (EncodedCompound.slotOffset + Int(slot.index)) * 8
        return compoundBuffer.loadUnaligned(fromByteOffset: offset, as: Int64.self)
    }
}
