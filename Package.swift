// swift-tools-version:6.0
import PackageDescription

// Library targets hold all logic (and are what the tests import); `genre` is a thin CLI shell.
// System libraries are reached through pkg-config system-library targets.
/// Debian 12's OpenBLAS built with pthreads (package libopenblas0-pthread).
let openBLASThreaded = "/usr/lib/x86_64-linux-gnu/openblas-pthread"

let package = Package(
    name: "genre",
    products: [
        .executable(name: "genre", targets: ["genre"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        // SHA-256 for the model file's integrity checksum.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        // EBU R128 / ITU-R BS.1770 loudness, for level normalisation.
        .systemLibrary(name: "CEbur128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        // FFmpeg's demuxers and decoders: the fallback for what libsndfile cannot read (AAC/ALAC in MP4, headers
        // of size 0, chained Ogg). The module map links libavformat, libavcodec, libswresample and libavutil.
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev"])]),
        // libogg's page parser, to tell a chained Ogg file (libsndfile decodes its first link only).
        .systemLibrary(name: "COgg", pkgConfig: "ogg", providers: [.apt(["libogg-dev"])]),
        // CBLAS cblas_sgemm for the convolutions and the Linear layer: Debian's OpenBLAS, its pthreads build.
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-pthread-dev"])]),
        // glibc's vector math library (libmvec); part of libc6, no pkg-config file.
        .systemLibrary(name: "CMvec"),

        .target(name: "SafeTensors"),
        .target(name: "GenreAudio", dependencies: ["CSndfile", "CFFmpeg", "COgg", "CSoxr", "CEbur128"]),
        // Features depend on audio for the preprocessing they record (downmix rule, level normalisation).
        .target(name: "GenreFeatures", dependencies: ["GenreAudio", "CFFTW", "CMvec"]),
        // Linked and loaded from the pthreads build's own folder, whatever Debian's alternatives point
        // libopenblas.so.0 at: the serial build (libopenblas0-serial) is made without USE_LOCKING and returns wrong
        // products now and then when our workers call it at the same time (BLAS.swift). Elsewhere the -L and the
        // run path name nothing and the default libopenblas is used.
        .target(name: "GenreNetwork", dependencies: ["COpenBLAS"],
                linkerSettings: [.unsafeFlags(["-L\(openBLASThreaded)", "-Xlinker", "-rpath=\(openBLASThreaded)"])]),
        // The layers above the signal and network code, each importing only layers below it (README, "Layout").
        // Errors, output paths, atomic text, hashes, seeded draws, worker threads: no audio, maths or C.
        .target(name: "GenreSupport", dependencies: ["SafeTensors"]),
        // Scores of labelled predictions (confusion matrix, precision/recall/F1): plain values.
        .target(name: "GenreMetrics"),
        // Report values and their renderers (tables, CSV, HTML, SVG): testable without FFTW, OpenBLAS or libsndfile.
        .target(name: "GenreReports", dependencies: ["GenreSupport", "GenreMetrics"]),
        // Datasets on disk: scan, screening, decoded clip features and their cache, duplicates, splits,
        // folds, standardisation, the demo set; and the console the pipelines write to.
        .target(name: "GenreData", dependencies: ["GenreSupport", "GenreAudio", "GenreFeatures", "GenreNetwork"]),
        // A trained model: its settings, file format and checksum, description, classifier and predictor.
        // What `predict`, `info` and the fuzzers need; no trainer, no reports.
        .target(name: "GenreModel",
                dependencies: ["GenreSupport", "GenreMetrics", "GenreData", "GenreAudio", "GenreFeatures", "GenreNetwork",
                               "SafeTensors", .product(name: "Crypto", package: "swift-crypto")]),
        // The pipelines: training, checkpoints, evaluation, cross-validation, robustness, benchmark.
        .target(name: "GenreTraining",
                dependencies: ["GenreSupport", "GenreMetrics", "GenreReports", "GenreData", "GenreModel",
                               "GenreAudio", "GenreFeatures", "GenreNetwork", "SafeTensors"]),
        // Classifying a music library: folder walks and file lists, shards, the parallel classifier with ordered
        // output, record formats (JSON Lines, CSV) and resumable output files. Beside the pipelines, not above them.
        .target(name: "GenreLibrary",
                dependencies: ["GenreSupport", "GenreData", "GenreModel", "GenreAudio", "GenreFeatures",
                               .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "genre", dependencies: [
            "GenreAudio", "GenreFeatures", "GenreNetwork", "GenreSupport", "GenreMetrics", "GenreReports", "GenreData",
            "GenreModel", "GenreTraining", "GenreLibrary",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // libFuzzer targets (README, "Fuzzing"): built with -sanitize=fuzzer -DFUZZING libFuzzer supplies
        // main; in a plain build each replays the files named on its command line.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzModelLoader", dependencies: ["FuzzSupport", "GenreModel", "SafeTensors"]),
        .executableTarget(name: "FuzzAudioReader", dependencies: ["FuzzSupport", "GenreData", "GenreAudio", "GenreFeatures"]),

        // Where the tests find ../shared, the binary and Python, and how a missing one skips or fails
        // (GENRE_REQUIRE_REFERENCE=1).
        .target(name: "GenreTestSupport", path: "Tests/GenreTestSupport"),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "GenreTestSupport"]),
        .testTarget(name: "GenreAudioTests", dependencies: ["GenreAudio", "GenreTestSupport"]),
        .testTarget(name: "GenreFeaturesTests", dependencies: ["GenreFeatures", "GenreAudio", "SafeTensors", "GenreTestSupport"]),
        .testTarget(name: "GenreNetworkTests", dependencies: ["GenreNetwork", "SafeTensors", "GenreTestSupport"]),
        // The small model the model and training tests share.
        .target(name: "GenreModelTestSupport", dependencies: ["GenreModel", "GenreData", "GenreFeatures", "GenreNetwork"],
                path: "Tests/GenreModelTestSupport"),
        .testTarget(name: "GenreReportsTests", dependencies: ["GenreReports", "GenreMetrics", "GenreSupport", "GenreTestSupport"]),
        .testTarget(name: "GenreDataTests", dependencies: ["GenreData", "GenreSupport", "GenreAudio", "GenreFeatures",
                                                         "GenreNetwork", "GenreTestSupport"]),
        .testTarget(name: "GenreModelTests", dependencies: ["GenreModel", "GenreModelTestSupport", "GenreMetrics", "GenreData", "GenreAudio",
                                                          "GenreFeatures", "GenreNetwork", "SafeTensors", "GenreTestSupport",
                                                          .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "GenreTrainingTests", dependencies: ["GenreTraining", "GenreModel", "GenreModelTestSupport", "GenreData",
                                                            "GenreReports", "GenreMetrics", "GenreSupport", "GenreAudio",
                                                            "GenreFeatures", "GenreNetwork", "GenreTestSupport", "SafeTensors"]),
        .testTarget(name: "GenreLibraryTests", dependencies: ["GenreLibrary", "GenreModel", "GenreModelTestSupport", "GenreSupport",
                                                           "GenreAudio", "GenreTestSupport"]),
        .testTarget(name: "GenreCLITests", dependencies: ["genre", "GenreAudio", "GenreSupport", "CSndfile", "GenreModel", "GenreMetrics", "GenreReports",
                                                      "GenreTraining", "GenreTestSupport",
                                                      .product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v5]
)
