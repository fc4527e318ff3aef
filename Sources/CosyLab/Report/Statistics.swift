/// Order statistics over repetitions.
public struct Summary: Sendable, Equatable {
    public var count: Int
    public var median: Double
    public var minimum: Double
    public var maximum: Double
    /// Median absolute deviation from the median.
    public var mad: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = sorted.count
        median = Summary.median(sorted)
        minimum = sorted.first!
        maximum = sorted.last!
        let m = median
        mad = Summary.median(sorted.map { abs($0 - m) }.sorted())
    }

    static func median(_ sorted: [Double]) -> Double {
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
