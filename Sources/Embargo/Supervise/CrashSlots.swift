internal import CEmbargoSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory shared by a supervised scanning process and its parent: one slot per worker, holding the
/// location of the item the worker is reading. When the process dies of a crash, its crash handler
/// marks the crashing thread's slot with the signal, and the parent reads which item it was.
///
/// Each worker writes only its own slot, and the parent reads only after the process has ended.
final class CrashSlots: Sendable {
    /// Bytes per slot: a 4-byte length, the signal byte, 3 spare bytes, then the location.
    static let slotSize = 16 << 10
    static let headerSize = 8
    /// The file the slots live in (kept open, so the child can inherit it).
    let descriptor: Int32
    /// The number of slots.
    let count: Int
    /// The mapping's address.
    private let address: Int

    private init(descriptor: Int32, count: Int, address: Int) {
        self.descriptor = descriptor
        self.count = count
        self.address = address
    }

    deinit {
        if let base = unsafe UnsafeMutableRawPointer(bitPattern: address) { unsafe munmap(base, count * Self.slotSize) }
        close(descriptor)
    }

    /// New slots in an unlinked temporary file in `directory` (the parent's side).
    static func create(count: Int, in directory: String) throws(SystemError) -> CrashSlots {
        let descriptor = try MemberSpool.temporaryFile(in: directory)
        guard ftruncate(descriptor, off_t(count * slotSize)) == 0 else {
            let error = SystemError.lastError("size the crash slots")
            close(descriptor)
            throw error
        }
        return try map(descriptor, count: count)
    }

    /// The slots in an inherited descriptor (the scanning process's side); its crash handler is
    /// installed.
    static func attach(descriptor: Int32, count: Int) throws(SystemError) -> CrashSlots {
        let slots = try map(descriptor, count: count)
        if let base = unsafe UnsafeMutableRawPointer(bitPattern: slots.address) {
            unsafe CEmbargoSystem_crash_slots_install(
                base.assumingMemoryBound(to: UInt8.self),
                UInt(slotSize),
                Int32(count)
            )
        }
        return slots
    }

    private static func map(_ descriptor: Int32, count: Int) throws(SystemError) -> CrashSlots {
        let length = count * slotSize
        guard let base = unsafe mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0),
            unsafe base != MAP_FAILED
        else {
            let error = SystemError.lastError("map the crash slots")
            close(descriptor)
            throw error
        }
        return CrashSlots(descriptor: descriptor, count: count, address: Int(bitPattern: base))
    }

    /// Binds the calling thread to slot `index`: a crash on this thread marks that slot.
    func bindCurrentThread(to index: Int) {
        CEmbargoSystem_crash_slot_bind(Int32(index))
    }

    /// `location` as a slot holds it, made once so that a worker returning to an item (when it leaves
    /// each member of an archive) writes it again without encoding it again. A location longer than a
    /// slot keeps its path and as many members as fit (a path that does not fit is not written).
    static func frame(of location: Location) -> [UInt8] {
        var writer = FrameWriter()
        writer.location(location)
        var bytes = writer.bytes
        if bytes.count > slotSize - headerSize {
            var shorter = location
            while bytes.count > slotSize - headerSize, !shorter.members.isEmpty {
                shorter.members.removeLast()
                var retry = FrameWriter()
                retry.location(shorter)
                bytes = retry.bytes
            }
        }
        return bytes
    }

    /// Writes a location made by `frame(of:)` (or nothing) into slot `index`; one too long for a slot
    /// leaves the slot as it was, naming the item around it.
    func write(_ frame: [UInt8]?, slot index: Int) {
        guard index >= 0, index < count, let base = unsafe UnsafeMutableRawPointer(bitPattern: address) else { return }
        let slot = unsafe base + index * Self.slotSize
        guard let frame else {
            unsafe slot.storeBytes(of: UInt32(0), as: UInt32.self)
            return
        }
        guard frame.count <= Self.slotSize - Self.headerSize else { return }
        unsafe frame.withUnsafeBytes { source in
            guard let start = source.baseAddress else { return }
            unsafe (slot + Self.headerSize).copyMemory(from: start, byteCount: source.count)
        }
        unsafe slot.storeBytes(of: UInt32(frame.count), as: UInt32.self)
    }

    /// What slot `index` holds: the location being read, and the crash signal if the crash handler
    /// marked it.
    func read(slot index: Int) -> (location: Location?, signal: Int32) {
        guard index >= 0, index < count, let base = unsafe UnsafeMutableRawPointer(bitPattern: address) else {
            return (nil, 0)
        }
        let slot = unsafe base + index * Self.slotSize
        let length = Int(unsafe slot.load(as: UInt32.self))
        let signal = Int32(unsafe slot.load(fromByteOffset: 4, as: UInt8.self))
        guard length > 0, length <= Self.slotSize - Self.headerSize else { return (nil, signal) }
        let bytes = unsafe [UInt8](UnsafeRawBufferPointer(start: slot + Self.headerSize, count: length))
        var reader = FrameReader(bytes)
        return ((try? reader.location()), signal)
    }

    /// Empties every slot (the parent does, before it starts a process).
    func clear() {
        guard let base = unsafe UnsafeMutableRawPointer(bitPattern: address) else { return }
        unsafe base.initializeMemory(as: UInt8.self, repeating: 0, count: count * Self.slotSize)
    }
}
