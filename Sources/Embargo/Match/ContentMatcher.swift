internal import Crypto
internal import EmbargoMatcher

/// The match stage: the signatures' strings found in an item's bytes, by the worker's own
/// streaming scanner over the shared compiled matcher. For streamed archive members, which cannot
/// be read twice, the SHA-256 is taken in the same pass.
final class ContentMatcher {
    private let scanner: MatchScanner
    private var hasher = SHA256()

    /// A matcher stage; one that is `profiling` counts what each pattern costs (`takeProfile()`).
    init(matcher: PatternMatcher, profiling: Bool = false) {
        scanner = MatchScanner(matcher: matcher, profiling: profiling)
    }

    /// What each pattern cost since the last call, when profiling.
    func takeProfile() -> MatchProfile? {
        scanner.takeProfile()
    }

    /// The distinct patterns in `content`, read through `buffer` (holes of sparse files are matched
    /// as the zeros they read as, without reading them).
    func match(_ content: ItemContent, buffer: ReadBuffer) throws -> [PatternHit] {
        scanner.reset()
        try content.stream(through: buffer, onData: { scanner.scan($0) }, onHole: { scanner.skipZeros(count: $0) })
        return scanner.hits
    }

    /// The distinct patterns in `bytes`, all at hand (a small archive member).
    func match(_ bytes: [UInt8]) -> [PatternHit] {
        scanner.reset()
        scanner.scan(bytes.span)
        return scanner.hits
    }

    /// The SHA-256 of `bytes` in hex.
    static func sha256(_ bytes: [UInt8]) -> String {
        Hex.string(SHA256.hash(data: bytes))
    }

    /// Starts matching and hashing a stream.
    func beginStream() {
        scanner.reset()
        hasher = SHA256()
    }

    /// The next piece of the stream.
    func feed(_ bytes: RawSpan) {
        scanner.scan(bytes)
        unsafe bytes.withUnsafeBytes { unsafe hasher.update(bufferPointer: $0) }
    }

    /// The next piece of the stream, held in an array.
    func feed(_ bytes: [UInt8]) {
        unsafe bytes.withUnsafeBytes { unsafe feed($0.bytes) }
    }

    /// The stream's distinct patterns and its SHA-256 in hex.
    func finishStream() -> (hits: [PatternHit], sha256: String) {
        (scanner.hits, Hex.string(hasher.finalize()))
    }
}
