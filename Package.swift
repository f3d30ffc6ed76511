// swift-tools-version:6.0
import PackageDescription

// Library targets hold all logic (and are what the tests import); `genre` is a thin CLI shell.
// System libraries are reached through pkg-config system-library targets.
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
        // No pkg-config file ships with Debian's BLIS; blis.h and libblis.so are on the default paths.
        .systemLibrary(name: "CBLIS", providers: [.apt(["libblis-serial-dev"])]),
        // glibc's vector math library (libmvec); part of libc6, no pkg-config file.
        .systemLibrary(name: "CMvec"),

        .target(name: "SafeTensors"),
        .target(name: "GenreAudio", dependencies: ["CSndfile", "CSoxr", "CEbur128"]),
        // Features depend on audio for the preprocessing they record (downmix rule, level normalisation).
        .target(name: "GenreFeatures", dependencies: ["GenreAudio", "CFFTW", "CMvec"]),
        .target(name: "GenreNetwork", dependencies: ["CBLIS"]),
        .target(name: "GenreTraining",
                dependencies: ["GenreAudio", "GenreFeatures", "GenreNetwork", "SafeTensors",
                               .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "genre", dependencies: [
            "GenreAudio", "GenreFeatures", "GenreNetwork", "GenreTraining",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // libFuzzer targets (README, "Fuzzing"): built with -sanitize=fuzzer -DFUZZING libFuzzer supplies
        // main; in a plain build each replays the files named on its command line.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzModelLoader", dependencies: ["FuzzSupport", "GenreTraining", "SafeTensors"]),
        .executableTarget(name: "FuzzAudioReader", dependencies: ["FuzzSupport", "GenreTraining", "GenreAudio", "GenreFeatures"]),

        // Where the tests find ../shared, the binary and Python, and how a missing one skips or fails
        // (GENRE_REQUIRE_REFERENCE=1).
        .target(name: "GenreTestSupport", path: "Tests/GenreTestSupport"),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "GenreTestSupport"]),
        .testTarget(name: "GenreAudioTests", dependencies: ["GenreAudio", "GenreTestSupport"]),
        .testTarget(name: "GenreFeaturesTests", dependencies: ["GenreFeatures", "GenreAudio", "SafeTensors", "GenreTestSupport"]),
        .testTarget(name: "GenreNetworkTests", dependencies: ["GenreNetwork", "SafeTensors", "GenreTestSupport"]),
        .testTarget(name: "GenreTrainingTests", dependencies: ["GenreTraining", "GenreTestSupport",
                                                            .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "GenreCLITests", dependencies: ["genre", "GenreAudio", "GenreTraining", "GenreTestSupport",
                                                      .product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v5]
)
