import Foundation

/// Package repositories built for a test with the real tools: dpkg-deb and dpkg-scanpackages for
/// Debian, rpmbuild and createrepo_c for rpm-md, with the committed vendor packages among ordinary
/// ones.
public enum RepositoryFixture {
    /// The vendor packages placed in every Debian repository.
    public static let debianVendorPackages = ["kesl_12.1.0-1234_amd64.deb", "kaspersky-cybertrace_4.3.0-1_amd64.deb"]

    /// Builds a Debian repository at `root`: `pool/main/` with the vendor packages and `ordinary`
    /// packages of an ordinary maintainer, `dists/stable/main/binary-amd64/Packages{,.gz,.xz}`, and
    /// `dists/stable/Release` with their sizes and SHA-256 sums.
    public static func debian(at root: String, ordinary: Int) throws {
        let pool = "\(root)/pool/main"
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
        for name in debianVendorPackages {
            try FileManager.default.copyItem(atPath: "\(Fixtures.vendor)/\(name)", toPath: "\(pool)/\(name)")
        }
        let staging = TemporaryDirectory("embargo-deb-staging")
        for index in 0..<ordinary {
            let package = "ordinary-tool\(index)"
            let tree = "\(staging.path)/\(package)"
            try staging.write(
                "\(package)/DEBIAN/control",
                text: """
                    Package: \(package)
                    Version: 1.\(index)
                    Architecture: amd64
                    Maintainer: Example Maintainers <maintainers@example.org>
                    Description: an ordinary command-line tool
                     It does nothing of interest.

                    """
            )
            try staging.write("\(package)/usr/bin/\(package)", text: "#!/bin/sh\necho \(package)\n")
            try Tool.run(
                "dpkg-deb",
                ["--build", "--root-owner-group", "-Zgzip", tree, "\(pool)/\(package)_1.\(index)_amd64.deb"]
            )
        }
        let binary = "\(root)/dists/stable/main/binary-amd64"
        try FileManager.default.createDirectory(atPath: binary, withIntermediateDirectories: true)
        let packages = try Tool.run("dpkg-scanpackages", ["--multiversion", "pool", "/dev/null"], in: root)
        guard FileManager.default.createFile(atPath: "\(binary)/Packages", contents: Data(packages)) else {
            throw TestSupportError("cannot write the Packages index")
        }
        try Tool.run("gzip", ["-9", "--keep", "--no-name", "\(binary)/Packages"])
        try Tool.run("xz", ["--keep", "\(binary)/Packages"])
        try writeRelease(suite: "\(root)/dists/stable")
    }

    /// Writes `Release` for a suite directory: every file under it, with size and SHA-256.
    public static func writeRelease(suite: String) throws {
        let listing = String(
            decoding: try Tool.shell("find main -type f | sort | xargs sha256sum", in: suite),
            as: UTF8.self
        )
        var lines = [
            "Origin: Embargo tests", "Suite: stable", "Codename: testing", "Architectures: amd64", "Components: main",
            "SHA256:",
        ]
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            let size = try FileManager.default.attributesOfItem(atPath: "\(suite)/\(parts[1])")[.size] as? Int ?? 0
            lines.append(" \(parts[0]) \(size) \(parts[1])")
        }
        guard
            FileManager.default.createFile(
                atPath: "\(suite)/Release",
                contents: Data((lines.joined(separator: "\n") + "\n").utf8)
            )
        else {
            throw TestSupportError("cannot write Release")
        }
    }

    /// Builds an rpm-md repository at `root`: `Packages/` with the committed vendor rpm and
    /// `ordinary` rpms built with rpmbuild, indexed with createrepo_c.
    public static func rpm(at root: String, ordinary: Int) throws {
        let packages = "\(root)/Packages"
        try FileManager.default.createDirectory(atPath: packages, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: "\(Fixtures.vendor)/kesl-12.1.0-1234.x86_64.rpm",
            toPath: "\(packages)/kesl-12.1.0-1234.x86_64.rpm"
        )
        let build = TemporaryDirectory("embargo-rpmbuild")
        for index in 0..<ordinary {
            let spec = try build.write(
                "tool\(index).spec",
                text: """
                    Name: ordinary-tool\(index)
                    Version: 1.\(index)
                    Release: 1
                    Summary: An ordinary command-line tool
                    License: MIT
                    Packager: Example Maintainers <maintainers@example.org>
                    BuildArch: noarch
                    %description
                    It does nothing of interest.
                    %install
                    mkdir -p %{buildroot}/usr/bin
                    echo 'echo tool' > %{buildroot}/usr/bin/ordinary-tool\(index)
                    %files
                    /usr/bin/ordinary-tool\(index)

                    """
            )
            try Tool.run("rpmbuild", ["--define", "_topdir \(build.path)/top", "--quiet", "-bb", spec])
        }
        try Tool.shell("cp \(build.path)/top/RPMS/noarch/*.rpm '\(packages)/' 2>/dev/null || true")
        try Tool.run("createrepo_c", ["--quiet", root])
    }
}
