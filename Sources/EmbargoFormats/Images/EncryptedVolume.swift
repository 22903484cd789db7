/// Encrypted volumes, recognised so that a scan says where it could not look: LUKS (version 1
/// and 2, by their header) and BitLocker (by its boot sector's `-FVE-FS-` signature).
public enum EncryptedVolume {
    /// The kind of encrypted volume that `head` starts (`LUKS2`, `BitLocker`), or nil.
    public static func kind(of head: [UInt8]) -> String? {
        let bytes = Head(head)
        if bytes.starts(luksMagic), let high = bytes.byte(6), let low = bytes.byte(7) {
            return "LUKS\(UInt16(high) << 8 | UInt16(low))"
        }
        if bytes.starts(bitLockerSignature, at: 3) { return "BitLocker" }
        return nil
    }

    private static let luksMagic = Array("LUKS".utf8) + [0xBA, 0xBE]
    private static let bitLockerSignature = Array("-FVE-FS-".utf8)
}
