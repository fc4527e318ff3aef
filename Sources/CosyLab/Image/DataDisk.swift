// The ext4 data disk the guest mounts (virtio-blk), built and read through the
// libguestfs C API. Swift cannot call C variadic functions, so optional
// arguments go through the `_argv` variants and their structs.

import CGuestfs
import Foundation

public enum DataDisk {
    /// Builds a raw image holding one ext4 file system (no partition table;
    /// the guest mounts `/dev/vdX` directly).
    ///
    /// The image is built under a temporary name in the same directory and
    /// renamed over `at` on success, so `at` is either the old or the complete
    /// new disk. Host file permission bits are kept.
    ///
    /// - Parameters:
    ///   - at: the image to write.
    ///   - sizeMiB: the image size.
    ///   - files: host files to copy, to absolute guest paths (parent
    ///     directories are created).
    ///   - label: the ext4 label (at most 16 bytes).
    ///   - accelerator: how libguestfs runs its appliance: `.tcg` sets the
    ///     direct backend's `force_tcg` (needed wherever KVM is unusable).
    /// - Throws: `LabError` naming the failing libguestfs call.
    public static func build(at: URL, sizeMiB: Int, files: [(guestPath: String, hostFile: URL)],
                             label: String, accelerator: Accelerator = .tcg) throws {
        guard label.utf8.count <= 16 else {
            throw LabError("ext4 label '\(label)' is longer than 16 bytes")
        }
        guard sizeMiB > 0 else { throw LabError("data disk size must be positive") }
        for f in files {
            guard f.guestPath.hasPrefix("/") else {
                throw LabError("guest path '\(f.guestPath)' must be absolute")
            }
            guard access(f.hostFile.path, R_OK) == 0 else {
                throw LabError("cannot read \(f.hostFile.path): \(String(cString: strerror(errno)))")
            }
        }

        let dir = at.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(at.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        var renamed = false
        defer { if !renamed { unlink(tmp.path) } }

        // A sparse raw file of the requested size.
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LabError("cannot create \(tmp.path): \(String(cString: strerror(errno)))")
        }
        let ok = ftruncate(fd, off_t(sizeMiB) << 20) == 0
        let err = errno
        close(fd)
        guard ok else { throw LabError("cannot size \(tmp.path): \(String(cString: strerror(err)))") }

        let g = try Guestfs(accelerator: accelerator)
        defer { g.close() }
        try g.addDrive(tmp.path, format: "raw", readOnly: false)
        try g.launch()
        try g.check("mkfs ext4 /dev/sda") { h in
            label.withCString { l in
                var opts = guestfs_mkfs_opts_argv()
                opts.bitmask = UInt64(1) << 4 // GUESTFS_MKFS_OPTS_LABEL_BITMASK
                opts.label = l
                return guestfs_mkfs_opts_argv(h, "ext4", "/dev/sda", &opts)
            }
        }
        try g.check("mount /dev/sda /") { guestfs_mount($0, "/dev/sda", "/") }
        for f in files {
            let parent = (f.guestPath as NSString).deletingLastPathComponent
            if parent != "/" && !parent.isEmpty {
                try g.check("mkdir_p \(parent)") { guestfs_mkdir_p($0, parent) }
            }
            try g.check("upload \(f.hostFile.path) to \(f.guestPath)") {
                guestfs_upload($0, f.hostFile.path, f.guestPath)
            }
            var st = stat()
            if stat(f.hostFile.path, &st) == 0 {
                let mode = Int32(st.st_mode & 0o7777)
                try g.check("chmod \(f.guestPath)") { guestfs_chmod($0, mode, f.guestPath) }
            }
        }
        try g.check("umount_all") { guestfs_umount_all($0) }
        try g.check("shutdown") { guestfs_shutdown($0) }

        guard rename(tmp.path, at.path) == 0 else {
            throw LabError("cannot rename \(tmp.path) to \(at.path): \(String(cString: strerror(errno)))")
        }
        renamed = true
    }

    /// Copies files out of a data disk (mounted read-only), e.g. results the
    /// guest wrote.
    ///
    /// - Parameters:
    ///   - image: a raw image with an ext4 file system on the whole device.
    ///   - files: absolute guest paths and the host files to write them to.
    /// - Throws: `LabError` naming the failing libguestfs call.
    public static func download(from image: URL, format: String = "raw",
                                files: [(guestPath: String, hostFile: URL)],
                                accelerator: Accelerator = .tcg) throws {
        let g = try Guestfs(accelerator: accelerator)
        defer { g.close() }
        try g.addDrive(image.path, format: format, readOnly: true)
        try g.launch()
        try g.check("mount_ro /dev/sda /") { guestfs_mount_ro($0, "/dev/sda", "/") }
        for f in files {
            try g.check("download \(f.guestPath)") { guestfs_download($0, f.guestPath, f.hostFile.path) }
        }
        try g.check("umount_all") { guestfs_umount_all($0) }
        try g.check("shutdown") { guestfs_shutdown($0) }
    }
}

/// One libguestfs handle (`guestfs_h *`), direct backend.
final class Guestfs {
    private var handle: OpaquePointer?

    init(accelerator: Accelerator) throws {
        guard let h = guestfs_create() else {
            throw LabError("guestfs_create failed", hint: "run ci/bootstrap (package libguestfs-dev)")
        }
        handle = h
        // Errors are read with guestfs_last_error, not printed to stderr.
        guestfs_set_error_handler(h, nil, nil)
        try check("set_backend direct") { guestfs_set_backend($0, "direct") }
        if accelerator == .tcg {
            try check("set_backend_setting force_tcg") { guestfs_set_backend_setting($0, "force_tcg", "1") }
        }
    }

    func addDrive(_ path: String, format: String, readOnly: Bool) throws {
        try check("add_drive \(path)") { g in
            format.withCString { f in
                var opts = guestfs_add_drive_opts_argv()
                opts.bitmask = (UInt64(1) << 0) | (UInt64(1) << 1) // READONLY | FORMAT
                opts.readonly = readOnly ? 1 : 0
                opts.format = f
                return guestfs_add_drive_opts_argv(g, path, &opts)
            }
        }
    }

    func launch() throws {
        do {
            try check("launch (the libguestfs appliance)") { guestfs_launch($0) }
        } catch var e as LabError {
            e.hint = "libguestfs needs supermin, a readable /boot/vmlinuz-* and qemu: run ci/bootstrap "
                + "(packages libguestfs-dev, linux-image-amd64, qemu-system-x86); "
                + "LIBGUESTFS_DEBUG=1 LIBGUESTFS_TRACE=1 show the appliance's boot"
            throw e
        }
    }

    /// Runs a libguestfs call returning -1 on error and throws its message.
    func check(_ what: String, _ call: (OpaquePointer) -> Int32) throws {
        guard let h = handle else { throw LabError("guestfs \(what): handle closed") }
        if call(h) == -1 {
            let msg = guestfs_last_error(h).map { String(cString: $0) } ?? "unknown error"
            throw LabError("guestfs \(what) failed: \(msg)")
        }
    }

    func close() {
        if let h = handle { guestfs_close(h) }
        handle = nil
    }
}
