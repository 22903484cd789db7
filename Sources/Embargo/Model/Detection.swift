public import EmbargoFormats

/// How sure a detection is that the product is present.
public enum DetectionConfidence: String, Sendable, Hashable, Comparable, CaseIterable {
    /// Only mentions or supporting evidence: the item names the product but does not prove it is
    /// installed (a news article, an audit script, a list of antivirus products).
    case mention
    /// Identity evidence: the product (or its package, signer or trust root) is there.
    case installation

    /// Orders mention before installation.
    public static func < (lhs: DetectionConfidence, rhs: DetectionConfidence) -> Bool {
        lhs == .mention && rhs == .installation
    }
}

/// What is known about the item a detection was made in.
public struct ItemFacts: Sendable, Hashable {
    /// The item's size in bytes, where known.
    public var size: UInt64?
    /// The SHA-256 of the item's content, in lower-case hex, where computed.
    public var sha256: String?
    /// The recognised format.
    public var format: ContentFormat
    /// The MIME type (from the first-bytes check or libmagic).
    public var mimeType: String
    /// A description of the content (from the first-bytes check or libmagic).
    public var description: String

    /// Item facts.
    public init(size: UInt64?, sha256: String?, format: ContentFormat, mimeType: String, description: String) {
        self.size = size
        self.sha256 = sha256
        self.format = format
        self.mimeType = mimeType
        self.description = description
    }
}

/// A vendor product found at a location, with every piece of evidence for it.
public struct Detection: Sendable, Hashable {
    /// Where: the path, the archive member chain and, for database records, the record.
    public var location: Location
    /// The record inside the item (a package in dpkg status, a certificate in a bundle), if any.
    public var record: String?
    /// The vendor id (`kaspersky`).
    public var vendor: String
    /// The vendor's display name.
    public var vendorName: String
    /// The product id (`kaspersky-endpoint-security-linux`).
    public var product: String
    /// The product's display name.
    public var productName: String
    /// The product family (`endpoint-protection`, `threat-intelligence`, ...).
    public var family: String
    /// Installation or mention.
    public var confidence: DetectionConfidence
    /// Installed, a package, an installer, or just a file.
    public var form: DetectionForm
    /// The sum of the evidence weights, at most 100.
    public var score: Int
    /// Every piece of evidence, strongest first.
    public var evidence: [Evidence]
    /// The item the detection was made in.
    public var item: ItemFacts
    /// For content inside a container image: the layer, its images, and whether a later layer removes it.
    public var imageLayer: ImageLayerPlace?

    /// A detection.
    public init(
        location: Location,
        record: String?,
        vendor: String,
        vendorName: String,
        product: String,
        productName: String,
        family: String,
        confidence: DetectionConfidence,
        form: DetectionForm,
        score: Int,
        evidence: [Evidence],
        item: ItemFacts
    ) {
        self.location = location
        self.record = record
        self.vendor = vendor
        self.vendorName = vendorName
        self.product = product
        self.productName = productName
        self.family = family
        self.confidence = confidence
        self.form = form
        self.score = score
        self.evidence = evidence
        self.item = item
    }

    /// A stable identifier: a hash of the vendor, the product and the location (path, members,
    /// record), so that the same finding keeps its id from scan to scan.
    public var id: String {
        var bytes: [UInt8] = []
        for part in [Array(vendor.utf8), Array(product.utf8), location.path.bytes] + location.members.map(\.bytes)
            + [Array((record ?? "").utf8)]
        {
            bytes += part
            bytes.append(0)
        }
        return StableHash.hex(of: bytes)
    }
}
