import ArgumentParser
import Embargo
import EmbargoMatcher
import Foundation

struct SignaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signatures",
        abstract: "List, show and validate vendor signatures.",
        subcommands: [List.self, Show.self, Validate.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the vendors and products the signatures recognise."
        )
        @OptionGroup var signatureOptions: SignatureOptions

        func run() throws {
            let set = try signatureOptions.load()
            for vendor in set.vendors {
                print("\(vendor.id)\t\(vendor.name)")
                for product in vendor.products {
                    print("  \(product.id)\t\(product.family)\t\(product.name)\t\(product.evidence.count) rules")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a vendor or a product and its evidence rules."
        )
        @OptionGroup var signatureOptions: SignatureOptions
        @Argument(help: "A vendor id or a product id.") var id: String

        func run() throws {
            let set = try signatureOptions.load()
            if let vendor = set.vendors.first(where: { $0.id == id }) {
                print("\(vendor.name) (\(vendor.id)), from \(vendor.source)")
                if !vendor.legalNames.isEmpty { print("legal names: \(vendor.legalNames.joined(separator: "; "))") }
                for product in vendor.products { show(product) }
                return
            }
            guard let (_, product) = set.products.first(where: { $0.product.id == id }) else {
                throw ValidationError("no vendor or product '\(id)'")
            }
            show(product)
        }

        func show(_ product: ProductSignature) {
            print("\n\(product.id): \(product.name) [\(product.family)]\(product.isFallback ? " (fallback)" : "")")
            for rule in product.evidence {
                print("  - \(describe(rule.kind)); \(rule.strength.rawValue), weight \(rule.weight)  (\(rule.origin))")
                if let note = rule.note { print("    note: \(note)") }
            }
        }

        func describe(_ kind: EvidenceRule.Kind) -> String {
            switch kind {
            case .string(let text, let encodings):
                "string \"\(text)\" [\(encodings.map(\.rawValue).joined(separator: ", "))]"
            case .hex(let text): "hex \(text)"
            case .path(let glob, let caseInsensitive): "path \(glob)\(caseInsensitive ? " (any case)" : "")"
            case .fileName(let glob): "file name \(glob)"
            case .fact(let fact, let match): "\(fact.rawValue) \(match)"
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check a directory of signature files; report every problem with file, line and field."
        )
        @Argument(help: "The directory (for instance Signatures).") var directory: String

        func run() throws {
            do {
                let vendors = try SignatureSet.load(directory: directory)
                let set = try SignatureSet(vendors: vendors)
                let products = vendors.reduce(0) { $0 + $1.products.count }
                let rules = vendors.reduce(0) { $0 + $1.products.reduce(0) { $0 + $1.evidence.count } }
                print(
                    "\(directory): valid: \(vendors.count) vendors, \(products) products, \(rules) rules, \(set.matcher.patternCount) string patterns"
                )
            } catch let error as DefinitionError {
                writeStandardError("\(error)\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }
}
