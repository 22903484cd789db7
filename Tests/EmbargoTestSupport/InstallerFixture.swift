import Foundation

/// Windows setup programs built by the real tools: Windows Installer packages by `wixl` (msitools),
/// NSIS installers by `makensis`, and self-extractors as their stubs are made (an archive appended to
/// a PE: zip with `zip -A`, 7-Zip, cabinets by `gcab`).
public enum InstallerFixture {
    /// An MSI at `path` installing `files` (name → source file in the same directory as `path`) under
    /// Program Files.
    @discardableResult
    public static func msi(_ path: String, files: [(name: String, source: String)]) throws -> String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        // wixl takes sources relative to where it runs.
        let components = files.enumerated().map { index, file in
            let source = URL(fileURLWithPath: file.source).lastPathComponent
            return "<File Id=\"File\(index)\" Name=\"\(file.name)\" Source=\"\(source)\"/>"
        }.joined(separator: "\n")
        let source = """
            <?xml version="1.0" encoding="utf-8"?>
            <Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
              <Product Id="*" Name="Example Scanner" Language="1033" Version="1.0.0" Manufacturer="Example Corp"
                       UpgradeCode="6F1E4C1A-57B1-4E8A-9B1E-0F8E4D6C1A01">
                <Package InstallerVersion="200" Compressed="yes"/>
                <Media Id="1" Cabinet="product.cab" EmbedCab="yes"/>
                <Directory Id="TARGETDIR" Name="SourceDir">
                  <Directory Id="ProgramFilesFolder">
                    <Directory Id="INSTALLDIR" Name="Example Scanner">
                      <Component Id="Main" Guid="6F1E4C1A-57B1-4E8A-9B1E-0F8E4D6C1A02">
            \(components)
                      </Component>
                    </Directory>
                  </Directory>
                </Directory>
                <Feature Id="Main" Level="1"><ComponentRef Id="Main"/></Feature>
              </Product>
            </Wix>
            """
        let wxs = path + ".wxs"
        try source.write(toFile: wxs, atomically: true, encoding: .utf8)
        try Tool.run("wixl", ["-o", path, wxs], in: directory)
        return path
    }

    /// An NSIS installer at `path` (`compressor`: zlib, lzma or bzip2) writing `files` to `$INSTDIR`
    /// and `docs` to `$INSTDIR\docs`.
    @discardableResult
    public static func nsis(
        _ path: String,
        compressor: String,
        solid: Bool,
        files: [String],
        docs: [String] = []
    ) throws -> String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let script = """
            Unicode true
            SetCompressor \(solid ? "/SOLID " : "")\(compressor)
            OutFile "\(path)"
            Name "Example Scanner"
            InstallDir "$PROGRAMFILES\\Example Scanner"
            Section "Main"
              SetOutPath "$INSTDIR"
            \(files.map { "  File \"\($0)\"" }.joined(separator: "\n"))
              SetOutPath "$INSTDIR\\docs"
            \(docs.map { "  File \"\($0)\"" }.joined(separator: "\n"))
            SectionEnd
            """
        let nsi = path + ".nsi"
        try script.write(toFile: nsi, atomically: true, encoding: .utf8)
        try Tool.run("makensis", ["-V1", nsi], in: directory)
        return path
    }

    /// A self-extractor at `path`: `stub` (a PE) with an archive of `files` appended, in `format`
    /// (`zip`, `zip-raw` (offsets not rebased), `7z` or `cab`).
    @discardableResult
    public static func selfExtractor(_ path: String, stub: String, format: String, files: [String]) throws -> String {
        let work = TemporaryDirectory("sfx")
        for file in files { try Tool.run("cp", [file, work.path]) }
        let names = files.map { URL(fileURLWithPath: $0).lastPathComponent }
        let archive = work.file("payload")
        switch format {
        case "zip", "zip-raw": try Tool.run("zip", ["-q", archive + ".zip"] + names, in: work.path)
        case "7z": try Tool.run("7z", ["a", "-bd", archive + ".7z"] + names, in: work.path)
        case "cab": try Tool.run("gcab", ["-c", archive + ".cab"] + names, in: work.path)
        default: throw TestSupportError("unknown self-extractor format \(format)")
        }
        let suffix = format == "zip-raw" ? "zip" : format
        try Tool.shell("cat '\(stub)' '\(archive).\(suffix)' > '\(path)'")
        if format == "zip" { try Tool.run("zip", ["-q", "-A", path]) }
        return path
    }

    /// A copy of the PE `stub` whose last section is renamed `.wixburn`, the section WiX Burn bundles
    /// carry their container table in (the section name is what tells the engine; no WiX toolset
    /// runs here to build a real bundle).
    @discardableResult
    public static func burnLikeBundle(_ path: String, stub: String) throws -> String {
        let script = """
            import struct, sys
            data = bytearray(open(sys.argv[1], "rb").read())
            pe = struct.unpack_from("<I", data, 0x3C)[0]
            count, optional = struct.unpack_from("<H", data, pe + 6)[0], struct.unpack_from("<H", data, pe + 20)[0]
            last = pe + 24 + optional + 40 * (count - 1)
            data[last:last + 8] = b".wixburn"
            open(sys.argv[2], "wb").write(data)
            """
        let work = TemporaryDirectory("burn")
        let program = try work.write("rename.py", text: script)
        try Tool.run("python3", [program, stub, path])
        return path
    }
}
