/// Encrypted volumes, recognised so that a scan says where it could not look: LUKS (version 1
/// and 2, by their header) and BitLocker (by its boot sector's `-FVE-FS-` signature).
public enum EncryptedVolume {
    /// The kind of encrypted volume that `head` starts (`LUKS2`, `BitLocker`), or nil.
    public static func kind(of head: [UInt8]) -> String? {
        if head.starts(with: Array("LUKS".utf8) + [0xBA, 0xBE]), head.count >= 8 {
            return "LUKS\(UInt16(head[6]) << 8 | UInt16(head[7]))"
        }
        if head.count >= 11, Array(head[3..<11]) == Array("-FVE-FS-".utf8) { return "BitLocker" }
        return nil
    }
}
