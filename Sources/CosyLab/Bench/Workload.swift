/// A benchmark workload: the guest command that runs its configurations.
public struct Workload: Sendable {
    public var name: String
    /// Configurations in report order; the first is the baseline (VAN).
    public var configurations: [String]
    /// The guest shell command for `repetitions` of every configuration.
    public var guestCommand: @Sendable (_ repetitions: Int, _ dataset: DatasetSpec) -> String

    /// The paper's copy loop (4 KiB chunks) in VAN, COSY and COSY-FAST
    /// (with and without the splice fusion), next to the io_uring peer
    /// and copy_file_range (the in-kernel limit).
    public static let copy = Workload(
        name: "copy", configurations: ["VAN", "COSY", "COSY-FAST", "COSY-FAST-BUF", "IO_URING", "COPY_FILE_RANGE"],
        guestCommand: { reps, _ in
            "cosy-copy --bench --config van,cosy,cosy-fast,cosy-fast-buf,io_uring,copy_file_range --reps \(reps) /data/copy/src /data/copy/dst"
        })

    /// 100,000 getppid() calls made directly vs in one compound (a loop
    /// over 1000 unrolled calls).
    public static let getppid = Workload(
        name: "getppid", configurations: ["VAN", "COSY"],
        guestCommand: { reps, _ in "cosy-micro --bench --reps \(reps) --calls 100000 getppid" })

    /// The executor's cost per entry: a compound loop of arithmetic and
    /// jumps only (1,000,000 iterations, 2,000,003 entries).
    public static let entryCost = Workload(
        name: "entry-cost", configurations: ["COSY"],
        guestCommand: { reps, _ in "cosy-micro --bench --reps \(reps) --calls 1000000 entry-cost" })

    /// Decode once (the cached decoded form) vs decode every run
    /// (COSY_RUN_NOCACHE): 1000 runs of a 2000-entry compound.
    public static let decode = Workload(
        name: "decode", configurations: ["NOCACHE", "CACHED"],
        guestCommand: { reps, _ in "cosy-micro --bench --reps \(reps) --calls 1000 --entries 2000 decode" })

    public static let all: [Workload] = [.copy, .getppid, .entryCost, .decode]

    public static func named(_ name: String) -> Workload? { all.first { $0.name == name } }
}
