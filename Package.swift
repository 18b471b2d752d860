// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Candor",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "candor", targets: ["candor"]),
    .library(name: "CandorCore", targets: ["CandorCore"]),
    .library(name: "CandorModels", targets: ["CandorModels"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // YAML for `candor report --config` (its parser keeps each node's line and column for errors).
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS", path: "Sources/COpenBLAS",
      pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    // Digests in C, since Swift cannot name the instructions: SHA-256's compression with the CPU's SHA instructions
    // (CandorCore falls back to its own code on other CPUs), and BLAKE3 with AVX2 or AVX-512 where the CPU has them.
    .target(name: "CDigests", path: "Sources/CDigests"),
    // AVX2/FMA kernels of hot loops (C, since Swift cannot target those instructions per function): explanations'
    // model evaluations, and counting a CSV file's records for a shard. Run only on CPUs that have them; the
    // callers keep a portable path.
    .target(name: "CKernels", path: "Sources/CKernels"),
    .target(name: "CandorCore", dependencies: ["COpenBLAS", "CDigests", "CKernels"]),
    .target(name: "CandorModels", dependencies: ["CandorCore", "COpenBLAS", "CKernels"]),
    .target(name: "CandorFairness", dependencies: ["CandorCore", "CandorModels"]),
    .target(name: "CandorExplain", dependencies: ["CandorCore", "CandorModels", "CKernels"]),
    // Optimized in debug builds too: its accountants integrate and sum series per order, and DP-SGD runs thousands of
    // steps, which unoptimized code runs 20–50× slower (make test builds debug).
    .target(name: "CandorPrivacy", dependencies: ["CandorCore", "CandorModels"], swiftSettings: [.unsafeFlags(["-O", "-Xfrontend", "-disable-generic-metadata-prespecialization"], .when(configuration: .debug))]),
    .target(name: "CandorReport", dependencies: ["CandorFairness", "CandorExplain", "CandorPrivacy"]),
    // `candor report`: a YAML config run as library calls into one document, with gates and provenance.
    .target(name: "CandorPipeline", dependencies: ["CandorReport", .product(name: "Yams", package: "Yams")]),
    .executableTarget(
      name: "candor",
      dependencies: [
        "CandorCore", "CandorModels", "CandorFairness", "CandorExplain", "CandorPrivacy", "CandorReport", "CandorPipeline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .target(name: "CandorTestSupport", dependencies: ["CandorCore"], path: "Tests/CandorTestSupport"),
    .testTarget(name: "CandorCoreTests", dependencies: ["CandorCore", "CandorTestSupport"]),
    .testTarget(name: "CandorModelsTests", dependencies: ["CandorModels", "CandorTestSupport"]),
    .testTarget(name: "CandorFairnessTests", dependencies: ["CandorFairness", "CandorModels", "CandorTestSupport"]),
    .testTarget(name: "CandorExplainTests", dependencies: ["CandorExplain", "CandorTestSupport"]),
    .testTarget(name: "CandorPrivacyTests", dependencies: ["CandorPrivacy", "CandorModels", "CandorTestSupport"]),
    .testTarget(name: "CandorReportTests", dependencies: ["CandorReport", "CandorPrivacy", "CandorExplain", "CandorModels", "CandorTestSupport"]),
    .testTarget(name: "CandorPipelineTests", dependencies: ["CandorPipeline", "CandorTestSupport"]),
    .testTarget(name: "ConformanceTests", dependencies: ["CandorCore", "CandorFairness", "CandorModels", "CandorTestSupport"]),
    .testTarget(name: "CandorCLITests",
                dependencies: ["candor", "CandorCore", "CandorModels", "CandorFairness", "CandorExplain", "CandorPrivacy", "CandorTestSupport",
                               .product(name: "Yams", package: "Yams")]),
  ]
)
