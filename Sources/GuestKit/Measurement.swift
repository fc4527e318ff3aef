#if canImport(Glibc)
import Glibc
#endif

/// Elapsed, user and system time of one measured region, in nanoseconds:
/// `clock_gettime(CLOCK_MONOTONIC)` and `getrusage(RUSAGE_SELF)` around it.
public struct Measurement: Sendable, Equatable {
    public var elapsedNanoseconds: Int64
    public var userNanoseconds: Int64
    public var systemNanoseconds: Int64

    public init(elapsedNanoseconds: Int64, userNanoseconds: Int64, systemNanoseconds: Int64) {
        self.elapsedNanoseconds = elapsedNanoseconds
        self.userNanoseconds = userNanoseconds
        self.systemNanoseconds = systemNanoseconds
    }

    /// Measures `body`.
    public static func of<R>(_ body: () throws -> R) rethrows -> (Measurement, R) {
        let usage0 = rusageNow()
        let t0 = monotonicNow()
        let result = try body()
        let t1 = monotonicNow()
        let usage1 = rusageNow()
        let m = Measurement(
            elapsedNanoseconds: t1 - t0,
            userNanoseconds: nanoseconds(usage1.ru_utime) - nanoseconds(usage0.ru_utime),
            systemNanoseconds: nanoseconds(usage1.ru_stime) - nanoseconds(usage0.ru_stime))
        return (m, result)
    }

    static func monotonicNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// The kernel's current clocksource (`tsc`, `kvm-clock`, `jiffies`, ...),
    /// which sets the resolution of `CLOCK_MONOTONIC`; nil where sysfs does
    /// not tell.
    public static func currentClocksource() -> String? {
        let path = "/sys/devices/system/clocksource/clocksource0/current_clocksource"
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), f) != nil else { return nil }
        let bytes = buffer.prefix { $0 != 0 && $0 != 0x0A && $0 != 0x20 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    static func rusageNow() -> rusage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage
    }

    static func nanoseconds(_ tv: timeval) -> Int64 {
        Int64(tv.tv_sec) * 1_000_000_000 + Int64(tv.tv_usec) * 1000
    }
}

/// One benchmark result, printed on the console as a single line
/// `COSY-RESULT {json}` that the host's `cosy-lab bench` collects.
public struct ResultRecord {
    public var workload: String
    public var configuration: String
    public var repetition: Int
    public var measurement: Measurement
    /// Workload parameters (sizes, counts), as JSON numbers.
    public var parameters: [(String, Int64)]
    /// A checksum of the output; equal across configurations.
    public var outputChecksum: String
    public var verified: Bool
    /// The clocksource the times were read from, taken when the record is
    /// made: a switch to a coarse clock (jiffies) is permanent, so this
    /// catches one that happened before or during the measurement.
    public var clocksource: String?

    public init(
        workload: String, configuration: String, repetition: Int, measurement: Measurement,
        parameters: [(String, Int64)], outputChecksum: String, verified: Bool,
        clocksource: String? = Measurement.currentClocksource()
    ) {
        self.clocksource = clocksource
        self.workload = workload
        self.configuration = configuration
        self.repetition = repetition
        self.measurement = measurement
        self.parameters = parameters
        self.outputChecksum = outputChecksum
        self.verified = verified
    }

    /// The marker that starts a result line.
    public static let marker = "COSY-RESULT "

    /// The record as one line of JSON behind ``marker``.
    public var line: String {
        let params = parameters.map { "\"\(jsonEscaped($0.0))\":\($0.1)" }.joined(separator: ",")
        return ResultRecord.marker + "{"
            + "\"workload\":\"\(jsonEscaped(workload))\","
            + "\"configuration\":\"\(jsonEscaped(configuration))\","
            + "\"repetition\":\(repetition),"
            + "\"elapsed_ns\":\(measurement.elapsedNanoseconds),"
            + "\"user_ns\":\(measurement.userNanoseconds),"
            + "\"system_ns\":\(measurement.systemNanoseconds),"
            + "\"parameters\":{\(params)},"
            + "\"output_checksum\":\"\(jsonEscaped(outputChecksum))\","
            + "\"verified\":\(verified)"
            + (clocksource.map { ",\"clocksource\":\"\(jsonEscaped($0))\"" } ?? "")
            + "}"
    }

    /// Prints ``line`` and flushes, so the host sees it even if the guest
    /// dies right after.
    public func emit() {
        print(line)
        fflush(nil)
    }
}

func jsonEscaped(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// 64-bit FNV-1a, for output checksums that must match across
/// configurations.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x100_0000_01b3
        }
        value = h
    }
    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
