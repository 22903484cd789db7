import Foundation

/// Reads property lists (XML or binary), as in `Info.plist` files and embedded `__info_plist` sections.
public enum PropertyList {
    /// `CFBundleIdentifier` of a property list, or nil when the bytes are not a property list or lack it.
    public static func bundleIdentifier(in bytes: [UInt8]) -> String? {
        guard let plist = try? PropertyListSerialization.propertyList(from: Data(bytes), options: [], format: nil),
            let dictionary = plist as? [String: Any]
        else { return nil }
        return dictionary["CFBundleIdentifier"] as? String
    }
}
