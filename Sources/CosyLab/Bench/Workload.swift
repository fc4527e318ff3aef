/// A benchmark workload: the guest command that runs its configurations.
public struct Workload: Sendable {
    public var name: String
    /// Configurations in report order; the first is the baseline (VAN).
    public var configurations: [String]
    /// The guest shell command for `repetitions` of every configuration.
    public var guestCommand: @Sendable (_ repetitions: Int, _ dataset: DatasetSpec) -> String

    public static let copy = Workload(
        name: "copy", configurations: ["VAN", "COSY"],
        guestCommand: { reps, _ in
            "cosy-copy --bench --config van,cosy --reps \(reps) /data/copy/src /data/copy/dst"
        })

    public static let all: [Workload] = [.copy]

    public static func named(_ name: String) -> Workload? { all.first { $0.name == name } }
}
