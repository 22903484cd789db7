/// Which of the files inside a disk image on disk one unit of work reads. A scan in shards
/// (`--shard K/N`) shares an image's files among the shards: every shard opens the image, each reads
/// the files whose place in the image hashes to it. A shard with several workers splits its share
/// again into parts, one unit each, so that the workers read one image side by side. Only the shard
/// that owns the image's path, in its part 0, reports what concerns the image as a whole (its
/// partitions, events about its structure).
struct ImageShard {
    /// This scan's part.
    let shard: ScanShard
    /// Whether this scan's part owns the image's path.
    let ownsPath: Bool
    /// This unit's part of the shard's share, and how many parts there are.
    let part: Int
    let parts: Int

    /// Whether this unit reports what concerns the image as a whole.
    var ownsImage: Bool { ownsPath && part == 0 }

    /// Whether this unit reads the file at `location` inside the image.
    func owns(_ location: Location) -> Bool {
        let hash = StableHash.value(of: Array(location.description.utf8))
        let count = UInt64(shard.count)
        return Int(hash % count) == shard.index && Int((hash / count) % UInt64(parts)) == part
    }
}
