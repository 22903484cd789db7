import ArgumentParser

@main
struct EmbargoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embargo",
        abstract: "Find software from prohibited vendors and say, under a policy and for a date, what must go.",
        subcommands: [BenchCommand.self]
    )
}
