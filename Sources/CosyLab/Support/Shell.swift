import Foundation

/// Runs external programs (make, tar, patch, swift, gcc) and streams their
/// output line by line.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public var command: [String]
        public var status: Int32
        public var outputTail: [String]
        public var description: String {
            "`\(command.joined(separator: " "))` exited with status \(status)"
                + (outputTail.isEmpty ? "" : ":\n    " + outputTail.joined(separator: "\n    "))
        }
    }

    /// Runs `command`, calling `onLine` for each line of its combined
    /// stdout/stderr, and appending everything to `log` if given.
    /// - Throws: ``Failure`` with the last lines of output on a non-zero exit.
    @discardableResult
    public static func run(
        _ command: [String], in directory: URL? = nil, environment: [String: String]? = nil,
        log: FileHandle? = nil, tailLines: Int = 20, onLine: ((String) -> Void)? = nil
    ) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if let d = directory { process.currentDirectoryURL = d }
        if let env = environment {
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw LabError("cannot start `\(command.joined(separator: " "))`: \(error)")
        }
        var tail: [String] = []
        var pending = Data()
        let reader = pipe.fileHandleForReading
        func emit(_ lineData: Data) {
            let line = String(decoding: lineData, as: UTF8.self)
            tail.append(line)
            if tail.count > tailLines { tail.removeFirst(tail.count - tailLines) }
            onLine?(line)
        }
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            log?.write(chunk)
            pending.append(chunk)
            while let nl = pending.firstIndex(of: 0x0a) {
                emit(pending[pending.startIndex..<nl])
                pending.removeSubrange(pending.startIndex...nl)
            }
        }
        if !pending.isEmpty { emit(pending) }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(command: command, status: process.terminationStatus, outputTail: tail)
        }
        return tail
    }

    /// Runs `command` and returns its standard output, trimmed.
    public static func capture(_ command: [String], in directory: URL? = nil) throws -> String {
        var lines: [String] = []
        try run(command, in: directory, tailLines: 1000) { lines.append($0) }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `name` is an executable on PATH.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
