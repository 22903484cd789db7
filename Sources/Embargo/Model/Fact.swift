/// A piece of identity that a structural reader pulled out of an item: a certificate subject, a
/// version-resource field, a package record's name. Signatures turn facts into evidence.
package struct Fact: Sendable, Hashable {
    /// What the fact is.
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        case certificateSubject = "certificate.subject"
        case certificateIssuer = "certificate.issuer"
        case packageName = "package.name"
        case packageMaintainer = "package.maintainer"
        case packageVendor = "package.vendor"
        case packagePackager = "package.packager"
        case packageDescription = "package.description"
        case versionCompanyName = "version.CompanyName"
        case versionProductName = "version.ProductName"
        case versionFileDescription = "version.FileDescription"
        case versionOriginalFilename = "version.OriginalFilename"
        case versionLegalCopyright = "version.LegalCopyright"
        case bundleIdentifier = "bundle.id"
        case teamIdentifier = "team.id"
        case installedName = "installed.name"
        case installedPublisher = "installed.publisher"
        case serviceName = "service.name"
        case serviceImage = "service.image"
        case softwareKey = "registry.key"
    }

    /// The kind.
    package var kind: Kind
    /// The value as read.
    package var value: String
    /// Where in the structure it was read (`signer`, `chain[1]`, `Maintainer`, ...).
    package var field: String?
    /// The record inside the item it belongs to (a package in a package database, a certificate in a
    /// bundle); nil when it describes the item itself.
    package var record: String?
    /// The byte offset of the structure it came from, where known.
    package var offset: UInt64?
    /// Where the fact comes from, which decides the form of a detection built on it.
    package var origin: Origin

    /// Where a fact comes from.
    package enum Origin: String, Sendable, Hashable {
        /// An installed-software record (dpkg status, rpmdb, a registry's Uninstall entries, services
        /// and SOFTWARE keys) or a system trust store (including a registry's certificate stores).
        case installedRecord
        /// A package file's own metadata (.deb control, .rpm header).
        case packageFile
        /// A repository index entry (Debian Packages, rpm-md primary.xml).
        case repositoryIndex
        /// The item's own structure (a binary's signature or version resources, a certificate file).
        case item
    }

    /// A fact.
    package init(
        kind: Kind,
        value: String,
        field: String? = nil,
        record: String? = nil,
        offset: UInt64? = nil,
        origin: Origin = .item
    ) {
        self.kind = kind
        self.value = value
        self.field = field
        self.record = record
        self.offset = offset
        self.origin = origin
    }
}
