// swift-tools-version:6.0
import PackageDescription

// `scripts/setup.sh` installs the OpenVINO wheel and writes `.deps/` (headers, a pkg-config file and a
// link to the wheel's libraries); SwiftPM accepts an absolute path to that `.pc` file.
let deps = Context.packageDirectory + "/.deps"
// SwiftPM drops `-rpath` from `.pc` files, so the rpath is set on the targets that link OpenVINO;
// the binary then runs without LD_LIBRARY_PATH.
let openVINORuntimeRPath: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "-rpath", "-Xlinker", deps + "/openvino/runtime"]),
]

let package = Package(
    name: "Playhead",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "playhead", targets: ["playhead"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswscale libswresample libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libswresample-dev", "libavutil-dev"])]
        ),
        .systemLibrary(name: "COpenVINO", pkgConfig: deps + "/pkgconfig/openvino.pc"),
        .target(
            name: "PlayheadCore",
            // Hashing (media identity, model verification) is 20x slower unoptimised; the test
            // command's debug build hashes every installed model on each run.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "MediaIO",
            dependencies: ["CFFmpeg", "PlayheadCore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Inference",
            dependencies: ["COpenVINO", "PlayheadCore", .product(name: "Logging", package: "swift-log")],
            linkerSettings: openVINORuntimeRPath
        ),
        .target(
            name: "Analyzers",
            dependencies: ["PlayheadCore", "MediaIO", "Inference", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Jobs",
            dependencies: [
                "PlayheadCore", "MediaIO", "Inference", "Analyzers", "Serving", "Store",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            linkerSettings: openVINORuntimeRPath
        ),
        .target(
            name: "Serving",
            dependencies: [
                "PlayheadCore", "Inference",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            linkerSettings: openVINORuntimeRPath
        ),
        // Annotations, memoized results, media catalog and the job queue; SQLite by default, PostgreSQL at scale.
        .target(
            name: "Store",
            dependencies: [
                "PlayheadCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PlayheadServer",
            dependencies: [
                "PlayheadCore", "MediaIO", "Inference", "Analyzers", "Serving", "Store", "Jobs", "Sessions",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            linkerSettings: openVINORuntimeRPath
        ),
        // Interactive playback sessions: the pure deadline scheduler (no I/O, injected clock) and the runtime that
        // drives it with per-session decoders and deployments.
        .target(
            name: "Sessions",
            dependencies: [
                "PlayheadCore", "MediaIO", "Inference", "Analyzers", "Serving", "Store",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            linkerSettings: openVINORuntimeRPath
        ),
        .executableTarget(
            name: "playhead",
            dependencies: [
                "PlayheadCore", "MediaIO", "Inference", "Analyzers", "Jobs", "Serving", "PlayheadServer", "Store",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: openVINORuntimeRPath
        ),
        // Generates test media with the ffmpeg CLI (lavfi, drawtext, espeak-ng) and caches it, and starts throwaway
        // PostgreSQL servers; shared by the test targets.
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "PlayheadCoreTests", dependencies: ["PlayheadCore"]),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO", "PlayheadCore", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "PlayheadCore"], linkerSettings: openVINORuntimeRPath),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Inference", "Analyzers", "MediaIO", "PlayheadCore", "TestSupport"], linkerSettings: openVINORuntimeRPath),
        .testTarget(
            name: "PlayheadServerTests",
            dependencies: [
                "PlayheadServer", "Serving", "Inference", "PlayheadCore", "TestSupport", "Jobs", "Store", "Sessions",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            linkerSettings: openVINORuntimeRPath
        ),
        .testTarget(
            name: "SessionsTests",
            dependencies: [
                "Sessions", "PlayheadServer", "Serving", "Store", "Jobs", "Inference", "PlayheadCore", "TestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: openVINORuntimeRPath
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "PlayheadCore", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PlayheadCLITests", dependencies: ["PlayheadCore", "TestSupport"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Store", "Analyzers", "MediaIO", "Inference", "PlayheadCore", "TestSupport"], linkerSettings: openVINORuntimeRPath),
        .testTarget(name: "AnalyzersTests", dependencies: ["Analyzers", "MediaIO", "Inference", "PlayheadCore", "TestSupport"], linkerSettings: openVINORuntimeRPath),
    ],
    swiftLanguageModes: [.v6]
)
