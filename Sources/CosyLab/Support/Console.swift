import Foundation

/// Writes progress to standard error: staged lines (`==> build: ...`) and,
/// on a terminal, one status line redrawn in place.
public final class ProgressReporter: @unchecked Sendable {
    let isTerminal: Bool
    let quiet: Bool
    private let lock = NSLock()
    private var statusShown = false
    private var lastDraw = Date.distantPast

    public init(quiet: Bool = false) {
        isTerminal = isatty(2) != 0
        self.quiet = quiet
    }

    /// A stage line, always shown (unless quiet).
    public func stage(_ text: String) {
        guard !quiet else { return }
        lock.withLock {
            clearStatusLocked()
            FileHandle.standardError.write(Data("==> \(text)\n".utf8))
        }
    }

    /// A transient status line; only drawn on a terminal, at most 10/s.
    public func status(_ text: String) {
        guard isTerminal, !quiet else { return }
        lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 100
            let clipped = text.count > width ? String(text.prefix(width - 1)) + "…" : text
            FileHandle.standardError.write(Data("\r\u{1b}[K\(clipped)".utf8))
            statusShown = true
        }
    }

    public func clearStatus() { lock.withLock { clearStatusLocked() } }

    private func clearStatusLocked() {
        if statusShown {
            FileHandle.standardError.write(Data("\r\u{1b}[K".utf8))
            statusShown = false
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Formats a duration in seconds for people: `2.4 s`, `3 min 12 s`.
func formatSeconds(_ s: Double) -> String {
    if s < 60 { return String(format: "%.1f s", s) }
    return String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60)
}
