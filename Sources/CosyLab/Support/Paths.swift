import Foundation

/// Where cosy-lab keeps things: the project's own files, and the cache of
/// expensive artefacts (kernels, images) outside the clone.
public struct LabPaths: Sendable {
    /// The project checkout (Package.swift, kernel-patches/, images/).
    public var projectRoot: URL
    /// The artefact cache, `$COSY_LAB_CACHE` or `$XDG_CACHE_HOME/cosy-lab`
    /// or `~/.cache/cosy-lab`.
    public var cacheRoot: URL

    public init(projectRoot: URL, cacheRoot: URL) {
        self.projectRoot = projectRoot
        self.cacheRoot = cacheRoot
    }

    /// Finds the project from the working directory upwards, else from this
    /// source file's location (a `swift run` from anywhere in the clone).
    public static func discover(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LabPaths {
        LabPaths(projectRoot: try findProjectRoot(environment: environment),
                 cacheRoot: defaultCacheRoot(environment: environment))
    }

    static func isProject(_ dir: URL) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: dir.appendingPathComponent("kernel-patches/series").path)
            && fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path)
    }

    static func findProjectRoot(environment: [String: String]) throws -> URL {
        if let explicit = environment["COSY_LAB_PROJECT"] {
            let url = URL(fileURLWithPath: explicit)
            guard isProject(url) else {
                throw LabError("COSY_LAB_PROJECT=\(explicit) is not a cosy-lab checkout",
                               hint: "point it at the folder holding Package.swift and kernel-patches/")
            }
            return url
        }
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while dir.path != "/" {
            if isProject(dir) { return dir }
            dir.deleteLastPathComponent()
        }
        var source = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { source.deleteLastPathComponent() }
        if isProject(source) { return source }
        throw LabError("cannot find the cosy-lab checkout (Package.swift + kernel-patches/series)",
                       hint: "run cosy-lab inside the clone or set COSY_LAB_PROJECT")
    }

    public static func defaultCacheRoot(environment: [String: String]) -> URL {
        if let c = environment["COSY_LAB_CACHE"], !c.isEmpty { return URL(fileURLWithPath: c) }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty {
            return URL(fileURLWithPath: x).appendingPathComponent("cosy-lab")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/cosy-lab")
    }

    public var kernelPatches: URL { projectRoot.appendingPathComponent("kernel-patches") }
    public var imagesDir: URL { projectRoot.appendingPathComponent("images") }
    public var kernelCache: URL { cacheRoot.appendingPathComponent("kernels") }
    public var imageCache: URL { cacheRoot.appendingPathComponent("images") }
    public var workDir: URL { cacheRoot.appendingPathComponent("work") }
    public var runsDir: URL { cacheRoot.appendingPathComponent("runs") }
}

extension FileManager {
    /// Creates `url` and its parents if needed.
    func ensureDirectory(_ url: URL) throws {
        try createDirectory(at: url, withIntermediateDirectories: true)
    }
}
