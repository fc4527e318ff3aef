// swift-tools-version:6.0
//
// cosy-lab: Compound System Calls (Cosy) on Linux 6.12, and the lab that
// builds, boots and benchmarks it.  Depends only on the Swift toolchain and
// on C libraries from Debian -dev packages (see ci/bootstrap).
import PackageDescription

let package = Package(
    name: "cosy-lab",
    products: [
        .library(name: "CosyKit", targets: ["CosyKit"]),
        .executable(name: "cosy-lab", targets: ["cosy-lab"]),
        .executable(name: "cosy-copy", targets: ["cosy-copy"]),
        .executable(name: "cosy-micro", targets: ["cosy-micro"]),
        .executable(name: "cosy-examples", targets: ["cosy-examples"]),
    ],
    targets: [
        // The kernel's uapi header (a copy of the one the patch series adds)
        // and typed syscall shims; the one source of truth for the ABI.
        .target(name: "CCosy"),
        .systemLibrary(
            name: "CLibvirt", pkgConfig: "libvirt",
            providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(
            name: "CGuestfs", pkgConfig: "libguestfs",
            providers: [.apt(["libguestfs-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),

        // Compound encoder and runtime; runs in the guest, so no Foundation.
        .target(name: "CosyKit", dependencies: ["CCosy"]),

        // Host orchestration: kernel build, images, VMs, bench, report, CLI.
        .target(
            name: "CosyLab",
            dependencies: ["CLibvirt", "CGuestfs", "CCrypto", "GuestKit"]),
        .executableTarget(name: "cosy-lab", dependencies: ["CosyLab"]),

        // Guest programs (built as static executables by `cosy-lab image`)
        // and what they share: timing, result records, options.
        .target(name: "GuestKit", dependencies: ["CosyKit"]),
        // io_uring peers: liburing behind out-of-line C wrappers.
        .target(name: "CURing", linkerSettings: [.linkedLibrary("uring")]),
        .executableTarget(name: "cosy-copy", dependencies: ["CosyKit", "GuestKit", "CURing"]),
        .executableTarget(name: "cosy-micro", dependencies: ["CosyKit", "GuestKit", "CCosy"]),
        .executableTarget(name: "cosy-examples", dependencies: ["CosyKit", "GuestKit"]),

        .testTarget(name: "CosyKitTests", dependencies: ["CosyKit", "CCosy", "GuestKit"]),
        .target(name: "_CosyLabTestSupport", path: "Tests/_CosyLabTestSupport"),
        .testTarget(name: "CosyLabTests", dependencies: ["CosyLab", "GuestKit", "_CosyLabTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["CosyLab", "_CosyLabTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
