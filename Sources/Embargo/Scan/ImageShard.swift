/// How a scan split in shards (`--shard K/N`) shares a disk image on disk: every shard opens it,
/// each reads the files inside that it owns (by a hash of the file's place in the image), and only
/// the shard that owns the image's path reports what concerns the image as a whole (its partitions,
/// events about its structure).
struct ImageShard {
    /// This scan's part.
    let shard: ScanShard
    /// Whether this part owns the image's path.
    let ownsImage: Bool

    /// Whether this part reads the file at `location` inside the image.
    func owns(_ location: Location) -> Bool {
        shard.owns(Array(location.description.utf8))
    }
}
