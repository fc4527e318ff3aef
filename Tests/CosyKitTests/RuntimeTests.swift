import Testing

@testable import CosyKit

@Suite struct RuntimeTests {
    /// The host runs a kernel without Cosy: the runtime must say so
    /// clearly rather than fail obscurely.
    @Test func kernelWithoutCosyIsReportedClearly() {
        do {
            _ = try CosyContext()
            Issue.record("cosy_init succeeded on the host; this test expects a kernel without Cosy")
        } catch {
            guard case .unsupportedKernel = error else {
                Issue.record("expected unsupportedKernel, got \(error)")
                return
            }
            #expect(error.description.contains("no Cosy system calls"))
        }
    }
}
