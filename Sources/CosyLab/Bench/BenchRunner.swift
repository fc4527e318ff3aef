import Foundation

/// `cosy-lab bench`: runs workloads × configurations × repetitions in one
/// VM boot and stores every record as soon as the guest prints it.
public struct BenchRunner {
    public var lab: Lab
    public var workloads: [Workload]
    public var repetitions: Int
    /// Results go to `resultsRoot/<run id>/`.
    public var resultsRoot: URL

    public init(lab: Lab, workloads: [Workload], repetitions: Int, resultsRoot: URL) {
        self.lab = lab
        self.workloads = workloads
        self.repetitions = repetitions
        self.resultsRoot = resultsRoot
    }

    public struct Outcome {
        public var runDirectory: URL
        public var records: [BenchRecord]
        public var info: BenchRunInfo
    }

    public func run() throws -> Outcome {
        let progress = lab.progress
        let guest = try lab.prepare()
        let now = Date()
        let runID = BenchRunner.runID(now)
        let runDir = resultsRoot.appendingPathComponent(runID)
        try FileManager.default.ensureDirectory(runDir.appendingPathComponent("records"))
        let consoleLog = runDir.appendingPathComponent("console.log")
        let command = workloads.map { $0.guestCommand(repetitions, lab.options.dataset) }.joined(separator: " && ")
        let host = ProcessInfo.processInfo.hostName
        var info = BenchRunInfo(
            runID: runID, startedAt: BenchRunner.timestamp(now), finishedAt: nil,
            workloads: workloads.map(\.name), repetitions: repetitions,
            accelerator: guest.accelerator.rawValue, kernelKey: guest.kernel.key,
            kernelRelease: guest.kernel.release,
            libvirtURI: lab.options.connectURI ?? LibvirtURI.defaultURI(), host: host,
            guestCommand: command, status: "running")
        try BenchRunner.write(info, to: runDir.appendingPathComponent("run.json"))

        let sink = RecordSink(directory: runDir.appendingPathComponent("records"), template: {
            var r = $0
            r.runID = runID
            r.accelerator = guest.accelerator.rawValue
            r.kernelKey = guest.kernel.key
            r.kernelRelease = guest.kernel.release
            r.host = host
            r.recordedAt = BenchRunner.timestamp(Date())
            return r
        })
        progress.stage("bench: \(workloads.map(\.name).joined(separator: ", ")) × \(repetitions) repetitions on \(guest.accelerator.rawValue); results: \(runDir.path)")
        let echo = ConsoleEcho(verbose: lab.options.verbose)
        var outcome: VMOutcome
        var attempt = 1
        while true {
            let coarse = CoarseClockDetector()
            outcome = try lab.boot(guest, command: BenchRunner.clockCheck + command, consoleLog: consoleLog) { line in
                if coarse.accept(line) { return }
                if sink.accept(line) { return }
                echo.handle(line)
            }
            guard let clock = coarse.clocksource, outcome.exitStatus == BenchRunner.coarseClockStatus else { break }
            // Nothing was measured: the check runs before the workloads.
            let kept = runDir.appendingPathComponent("console-coarse-\(attempt).log")
            try? FileManager.default.moveItem(at: consoleLog, to: kept)
            info.coarseClockBoots = attempt
            guard attempt < BenchRunner.bootAttempts else {
                info.status = "failed"
                try BenchRunner.write(info, to: runDir.appendingPathComponent("run.json"))
                throw LabError("the guest fell back to the \(clock) clocksource in \(attempt) boots in a row: its times would have 4 ms resolution",
                               hint: "this kernel has no HPET or ACPI PM timer, so a TSC calibration against the PIT that a busy host disturbs cannot be checked; run again on a quieter host (consoles kept in \(runDir.path))")
            }
            progress.stage("bench: the guest fell back to the \(clock) clocksource (its TSC calibration against the PIT failed); booting again (\(attempt + 1) of \(BenchRunner.bootAttempts))")
            attempt += 1
        }
        info.finishedAt = BenchRunner.timestamp(Date())
        info.bootToCommandSeconds = outcome.bootToCommand?.seconds
        info.vmSeconds = outcome.elapsed.seconds
        info.peakRSSKiB = BenchRunner.peakRSSKiB()
        let records = sink.records
        let problems = (Lab.failure(outcome, consoleLog: consoleLog).map { [$0.description] } ?? [])
            + sink.errors
            + (outcome.exitStatus.map { $0 == 0 ? [] : ["the guest benchmark exited with status \($0)"] } ?? [])
            + BenchRunner.check(records, workloads: workloads, repetitions: repetitions)
        info.status = problems.isEmpty ? "ok" : "failed"
        try BenchRunner.write(info, to: runDir.appendingPathComponent("run.json"))
        if !problems.isEmpty {
            throw LabError("benchmark run \(runID) failed:\n  - " + problems.joined(separator: "\n  - "),
                           hint: "\(records.count) records kept in \(runDir.path)")
        }
        progress.stage("bench: \(records.count) records in \(runDir.path) (peak RSS of cosy-lab: \(info.peakRSSKiB ?? 0) KiB)")
        return Outcome(runDirectory: runDir, records: records, info: info)
    }

    /// Every configuration ran every repetition, verified, with the same
    /// output as the others.
    static func check(_ records: [BenchRecord], workloads: [Workload], repetitions: Int) -> [String] {
        var problems: [String] = []
        for w in workloads {
            let mine = records.filter { $0.workload == w.name }
            for config in w.configurations {
                let n = mine.filter { $0.configuration == config }.count
                if n != repetitions { problems.append("\(w.name)/\(config): \(n) of \(repetitions) repetitions reported") }
            }
            for r in mine where !r.verified {
                problems.append("\(w.name)/\(r.configuration) repetition \(r.repetition): output verification failed")
            }
            let sums = Set(mine.map(\.outputChecksum))
            if sums.count > 1 { problems.append("\(w.name): configurations produced different output (checksums \(sums.sorted().joined(separator: ", ")))") }
        }
        let coarse = records.filter(\.hasCoarseClock)
        if let first = coarse.first {
            problems.append("\(coarse.count) of \(records.count) records were timed after the guest fell back to the "
                            + "\(first.clocksource) clocksource (one tick, 4 ms, of resolution): too coarse to compare; run again")
        }
        return problems
    }

    /// Boots tried when the guest comes up without a usable clock.
    static let bootAttempts = 5
    /// Guest exit status of ``clockCheck`` for a coarse clock (EX_TEMPFAIL).
    static let coarseClockStatus: Int32 = 75
    static let coarseClockMarker = "COSY-CLOCK-COARSE "

    /// Guest shell prologue: with no HPET or ACPI PM timer in the guest
    /// kernel, a TSC calibration against the PIT that a busy host disturbs
    /// ("tsc: Unable to calibrate against PIT") leaves the TSC unusable and
    /// CLOCK_MONOTONIC on jiffies. Such a boot is refused before anything is
    /// measured; the records' clocksource catches a later fallback.
    static let clockCheck = clockCheck(reading: "/sys/devices/system/clocksource/clocksource0/current_clocksource")

    static func clockCheck(reading path: String) -> String {
        let coarse = BenchRecord.coarseClocksources.sorted().joined(separator: "|")
        return "cs=$(cat \(path)); case \"$cs\" in \(coarse)) echo \"\(coarseClockMarker)$cs\"; exit \(coarseClockStatus);; esac; "
    }

    static func runID(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: date)
    }

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try e.encode(value).write(to: url, options: .atomic)
    }

    static func peakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }
}

/// Notices the marker ``BenchRunner/clockCheck`` prints for a coarse clock.
final class CoarseClockDetector: @unchecked Sendable {
    private let lock = NSLock()
    private var name: String?

    var clocksource: String? { lock.withLock { name } }

    func accept(_ line: String) -> Bool {
        guard let r = line.range(of: BenchRunner.coarseClockMarker) else { return false }
        let clock = line[r.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        lock.withLock { name = clock }
        return true
    }
}

/// Collects result lines from the console and writes each record to its
/// own file at once, so a guest that dies later loses nothing.
final class RecordSink: @unchecked Sendable {
    let directory: URL
    let template: (BenchRecord) -> BenchRecord
    private let lock = NSLock()
    private var stored: [BenchRecord] = []
    private var problems: [String] = []

    init(directory: URL, template: @escaping (BenchRecord) -> BenchRecord) {
        self.directory = directory
        self.template = template
    }

    var records: [BenchRecord] { lock.withLock { stored } }
    var errors: [String] { lock.withLock { problems } }

    /// Handles `line` if it is a result line.
    func accept(_ line: String) -> Bool {
        let parsed: BenchRecord?
        do {
            parsed = try BenchRecord.parse(consoleLine: line)
        } catch {
            lock.withLock { problems.append("\(error)") }
            return true
        }
        guard let raw = parsed else { return false }
        let record = template(raw)
        lock.withLock {
            stored.append(record)
            let name = String(format: "%04d-%@-%@-%d.json", stored.count, record.workload, record.configuration, record.repetition)
            do {
                try BenchRunner.write(record, to: directory.appendingPathComponent(name))
            } catch {
                problems.append("cannot store \(name): \(error)")
            }
        }
        printError("    \(record.workload)/\(record.configuration) #\(record.repetition): \(String(format: "%.3f", Double(record.elapsedNanoseconds) / 1e9)) s elapsed\(record.verified ? "" : " (VERIFY FAILED)")")
        return true
    }
}
