/// What a scanning process supervised by a parent needs beyond its configuration: the crash slots it
/// reports its position in, and what earlier processes of the same scan already did.
struct Supervision: Sendable {
    /// The slots shared with the parent, one per worker.
    let slots: CrashSlots
    /// Files on disk whose results the parent already has: not read again.
    let doneFiles: Set<[UInt8]>
    /// Items an earlier process crashed on: not read again (the parent reported them).
    let skipped: Set<Location>

    /// The key in `doneFiles` of a finished part of a disk image split among the workers (a NUL,
    /// which no path holds, keeps it apart from paths).
    static func partKey(_ path: ScanPath, part: Int, parts: Int) -> [UInt8] {
        path.bytes + [0] + Array("part \(part) of \(parts)".utf8)
    }

    /// The key in `doneFiles` that says a finished disk image was split into `parts` parts.
    static func splitKey(_ path: ScanPath, parts: Int) -> [UInt8] {
        path.bytes + [0] + Array("split into \(parts)".utf8)
    }
}

/// Where one worker is, for its supervising parent: the location of the item being read, innermost
/// last, written to the worker's crash slot as it changes. Locations an earlier process crashed on
/// are refused.
final class CrashGuard {
    private let supervision: Supervision?
    private let slot: Int
    /// The items entered, innermost last, each as its slot holds it.
    private var stack: [[UInt8]] = []

    init(supervision: Supervision?, slot: Int) {
        self.supervision = supervision
        self.slot = slot
    }

    /// Whether the file at `path` was finished by an earlier process.
    func isDone(_ path: ScanPath) -> Bool {
        supervision?.doneFiles.contains(path.bytes) ?? false
    }

    /// Whether part `part` of the disk image at `path` was finished by an earlier process.
    func isDone(_ path: ScanPath, part: Int, parts: Int) -> Bool {
        supervision?.doneFiles.contains(Supervision.partKey(path, part: part, parts: parts)) ?? false
    }

    /// Whether an earlier process split the finished disk image at `path` into `parts` parts.
    func wasSplit(_ path: ScanPath, parts: Int) -> Bool {
        supervision?.doneFiles.contains(Supervision.splitKey(path, parts: parts)) ?? false
    }

    /// Starts a unit on the current thread (a worker may move between threads between units).
    func beginUnit() {
        stack.removeAll(keepingCapacity: true)
        guard let supervision else { return }
        supervision.slots.bindCurrentThread(to: slot)
        supervision.slots.write(nil, slot: slot)
    }

    /// Enters an item; false when an earlier process crashed on it, which is then not entered.
    func enter(_ location: Location) -> Bool {
        guard let supervision else { return true }
        if !supervision.skipped.isEmpty, supervision.skipped.contains(location) { return false }
        let frame = CrashSlots.frame(of: location)
        stack.append(frame)
        supervision.slots.write(frame, slot: slot)
        return true
    }

    /// Leaves the innermost item entered.
    func leave() {
        guard let supervision, !stack.isEmpty else { return }
        stack.removeLast()
        supervision.slots.write(stack.last, slot: slot)
    }
}
