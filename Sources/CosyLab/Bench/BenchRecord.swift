import Foundation

/// One measured run: what the guest printed (`COSY-RESULT {...}`) plus
/// what the host knows (accelerator, kernel, run id). Stored as one JSON
/// file per record.
public struct BenchRecord: Codable, Sendable, Equatable {
    public var workload: String
    public var configuration: String
    public var repetition: Int
    public var elapsedNanoseconds: Int64
    public var userNanoseconds: Int64
    public var systemNanoseconds: Int64
    public var parameters: [String: Int64]
    public var outputChecksum: String
    public var verified: Bool
    /// The guest's clocksource when the record was made; "" if the guest
    /// did not say.
    public var clocksource: String = ""

    // Added by the host.
    public var runID: String = ""
    public var accelerator: String = ""
    public var kernelKey: String = ""
    public var kernelRelease: String = ""
    public var host: String = ""
    public var recordedAt: String = ""

    enum CodingKeys: String, CodingKey {
        case workload, configuration, repetition, parameters, verified, clocksource
        case elapsedNanoseconds = "elapsed_ns"
        case userNanoseconds = "user_ns"
        case systemNanoseconds = "system_ns"
        case outputChecksum = "output_checksum"
        case runID = "run_id"
        case accelerator
        case kernelKey = "kernel_key"
        case kernelRelease = "kernel_release"
        case host
        case recordedAt = "recorded_at"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        workload = try c.decode(String.self, forKey: .workload)
        configuration = try c.decode(String.self, forKey: .configuration)
        repetition = try c.decode(Int.self, forKey: .repetition)
        elapsedNanoseconds = try c.decode(Int64.self, forKey: .elapsedNanoseconds)
        userNanoseconds = try c.decode(Int64.self, forKey: .userNanoseconds)
        systemNanoseconds = try c.decode(Int64.self, forKey: .systemNanoseconds)
        parameters = try c.decodeIfPresent([String: Int64].self, forKey: .parameters) ?? [:]
        outputChecksum = try c.decodeIfPresent(String.self, forKey: .outputChecksum) ?? ""
        verified = try c.decode(Bool.self, forKey: .verified)
        clocksource = try c.decodeIfPresent(String.self, forKey: .clocksource) ?? ""
        runID = try c.decodeIfPresent(String.self, forKey: .runID) ?? ""
        accelerator = try c.decodeIfPresent(String.self, forKey: .accelerator) ?? ""
        kernelKey = try c.decodeIfPresent(String.self, forKey: .kernelKey) ?? ""
        kernelRelease = try c.decodeIfPresent(String.self, forKey: .kernelRelease) ?? ""
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? ""
        recordedAt = try c.decodeIfPresent(String.self, forKey: .recordedAt) ?? ""
    }

    public init(workload: String, configuration: String, repetition: Int, elapsedNanoseconds: Int64,
                userNanoseconds: Int64, systemNanoseconds: Int64, parameters: [String: Int64] = [:],
                outputChecksum: String = "", verified: Bool = true) {
        self.workload = workload
        self.configuration = configuration
        self.repetition = repetition
        self.elapsedNanoseconds = elapsedNanoseconds
        self.userNanoseconds = userNanoseconds
        self.systemNanoseconds = systemNanoseconds
        self.parameters = parameters
        self.outputChecksum = outputChecksum
        self.verified = verified
    }

    /// Clocksources whose resolution is a scheduler tick (4 ms at HZ=250):
    /// too coarse for the times measured here.
    public static let coarseClocksources: Set<String> = ["jiffies", "refined-jiffies"]

    /// The record's times came from a tick-resolution clock.
    public var hasCoarseClock: Bool { Self.coarseClocksources.contains(clocksource) }

    /// The marker the guest programs print before a record.
    public static let marker = "COSY-RESULT "

    /// Parses a console line; nil if it is not a result line. A result
    /// line that does not decode is an error (a guest/host mismatch).
    public static func parse(consoleLine line: String) throws -> BenchRecord? {
        guard let r = line.range(of: marker) else { return nil }
        let json = line[r.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try JSONDecoder().decode(BenchRecord.self, from: Data(json.utf8))
        } catch {
            throw LabError("cannot decode a guest result line: \(error)", hint: "line: \(line)")
        }
    }

    /// Key of the group this record is compared within.
    public var groupKey: String {
        workload + " " + parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ")
    }
}

/// Metadata of one `cosy-lab bench` invocation, `run.json`.
public struct BenchRunInfo: Codable, Sendable {
    public var runID: String
    public var startedAt: String
    public var finishedAt: String?
    public var workloads: [String]
    public var repetitions: Int
    public var accelerator: String
    public var kernelKey: String
    public var kernelRelease: String
    public var libvirtURI: String
    public var host: String
    public var guestCommand: String
    public var bootToCommandSeconds: Double?
    public var vmSeconds: Double?
    public var peakRSSKiB: Int?
    /// Boots refused before this one because the guest had no usable clock.
    public var coarseClockBoots: Int?
    public var status: String
}
