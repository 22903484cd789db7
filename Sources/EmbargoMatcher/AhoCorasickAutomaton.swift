/// A dense Aho–Corasick DFA over byte classes, built from case-folded anchors.
///
/// Bytes that no anchor uses share class 0, and each letter's two cases share a class, so a row of
/// the table has one entry per byte the anchors use. State ids are premultiplied by the row stride,
/// and states with outputs are numbered last, so the scan loop is one class lookup, one table load
/// and one compare per byte.
///
/// The automaton serves three roles: the byte-at-a-time engine, the pass over short or flood-prone
/// anchors that prefilters cannot serve, and the confirmation step behind Teddy, where it walks the
/// trie from a candidate position (an anchored walk) instead of scanning.
final class AhoCorasickAutomaton: Sendable {
    let classOf: FlatTable<UInt8>
    let strideShift: Int
    let transitions: FlatTable<UInt32>
    let matchThreshold: UInt32
    let depths: FlatTable<UInt8>
    let ownAnchors: FlatTable<Int32>
    let outputLinks: FlatTable<Int32>
    let stateCount: Int
    let classCount: Int

    /// Builds the automaton over `anchorIndices` of `table`, or returns nil when its transition table
    /// would exceed `budgetBytes`.
    init?(anchorIndices: [Int], table: AnchorTable, budgetBytes: Int) {
        var present = [Bool](repeating: false, count: 256)
        for anchor in anchorIndices {
            for byte in table.foldedBytes[anchor] { present[Int(byte)] = true }
        }
        var classOfFolded = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for byte in 0..<256 where present[byte] {
            classOfFolded[byte] = UInt8(classCount)
            classCount += 1
        }
        let classOf = (0..<256).map { classOfFolded[Int(CaseFolding.lower(UInt8($0)))] }
        var strideShift = 0
        while 1 << strideShift < classCount { strideShift += 1 }

        // The trie: children keyed by node and class.
        var children: [Int: Int32] = [:]
        var childLists: [[(symbol: Int, child: Int32)]] = [[]]
        var depths: [UInt8] = [0]
        var ownAnchors: [Int32] = [-1]
        for anchor in anchorIndices {
            var node = 0
            for byte in table.foldedBytes[anchor] {
                let symbol = Int(classOfFolded[Int(byte)])
                let key = node << 8 | symbol
                if let child = children[key] {
                    node = Int(child)
                } else {
                    let child = Int32(depths.count)
                    children[key] = child
                    childLists[node].append((symbol, child))
                    childLists.append([])
                    depths.append(depths[node] + 1)
                    ownAnchors.append(-1)
                    node = Int(child)
                }
            }
            ownAnchors[node] = Int32(anchor)
        }
        let nodeCount = depths.count
        guard nodeCount << strideShift * MemoryLayout<UInt32>.stride <= budgetBytes else { return nil }

        // Breadth-first: failure links, dense transitions and suffix output links.
        var dense = [Int32](repeating: 0, count: nodeCount * classCount)
        var failures = [Int32](repeating: 0, count: nodeCount)
        var outputLinks = [Int32](repeating: -1, count: nodeCount)
        var order: [Int] = [0]
        order.reserveCapacity(nodeCount)
        var head = 0
        while head < order.count {
            let node = order[head]
            head += 1
            let failure = Int(failures[node])
            if node != 0 {
                for symbol in 0..<classCount {
                    dense[node * classCount + symbol] = dense[failure * classCount + symbol]
                }
                outputLinks[node] = ownAnchors[failure] >= 0 ? Int32(failure) : outputLinks[failure]
            }
            for (symbol, child) in childLists[node] {
                failures[Int(child)] = node == 0 ? 0 : dense[failure * classCount + symbol]
                dense[node * classCount + symbol] = child
                order.append(Int(child))
            }
        }

        // Number states without outputs first, so that one compare tells whether a state reports.
        let hasOutput = (0..<nodeCount).map { ownAnchors[$0] >= 0 || outputLinks[$0] >= 0 }
        var newIndex = [Int](repeating: 0, count: nodeCount)
        var next = 0
        for node in order where !hasOutput[node] {
            newIndex[node] = next
            next += 1
        }
        let firstOutput = next
        for node in order where hasOutput[node] {
            newIndex[node] = next
            next += 1
        }
        var transitions = [UInt32](repeating: 0, count: nodeCount << strideShift)
        var finalDepths = [UInt8](repeating: 0, count: nodeCount)
        var finalOwn = [Int32](repeating: -1, count: nodeCount)
        var finalLinks = [Int32](repeating: -1, count: nodeCount)
        for node in 0..<nodeCount {
            let row = newIndex[node] << strideShift
            for symbol in 0..<classCount {
                transitions[row + symbol] = UInt32(newIndex[Int(dense[node * classCount + symbol])] << strideShift)
            }
            finalDepths[newIndex[node]] = depths[node]
            finalOwn[newIndex[node]] = ownAnchors[node]
            finalLinks[newIndex[node]] = outputLinks[node] >= 0 ? Int32(newIndex[Int(outputLinks[node])]) : -1
        }
        self.classOf = FlatTable(classOf)
        self.strideShift = strideShift
        self.transitions = FlatTable(transitions)
        self.matchThreshold = UInt32(firstOutput << strideShift)
        self.depths = FlatTable(finalDepths)
        self.ownAnchors = FlatTable(finalOwn)
        self.outputLinks = FlatTable(finalLinks)
        self.stateCount = nodeCount
        self.classCount = classCount
    }

    var byteCount: Int {
        classOf.byteCount + transitions.byteCount + depths.byteCount + ownAnchors.byteCount + outputLinks.byteCount
    }

    /// Runs the automaton over the whole block, confirming every anchor occurrence.
    func scan<Sink: MatchSink>(_ block: ScanBlock, verifier: Verifier, into sink: inout Sink) {
        let transitions = unsafe transitions.base
        let classOf = unsafe classOf.base
        let bytes = unsafe block.bytes
        let threshold = matchThreshold
        var state: UInt32 = 0
        var position = 0
        while unsafe position < block.count {
            state = unsafe transitions[Int(state) &+ Int(classOf[Int(bytes[position])])]
            if state >= threshold {
                unsafe reportOutputs(
                    ofState: Int(state >> UInt32(strideShift)),
                    endingAt: position,
                    block,
                    verifier,
                    &sink
                )
            }
            position &+= 1
        }
    }

    @inline(never)
    private func reportOutputs<Sink: MatchSink>(
        ofState index: Int,
        endingAt position: Int,
        _ block: ScanBlock,
        _ verifier: Verifier,
        _ sink: inout Sink
    ) {
        var state = ownAnchors[index] >= 0 ? index : Int(outputLinks[index])
        while state >= 0 {
            let start = position - Int(depths[state]) + 1
            unsafe verifier.confirm(anchor: Int(ownAnchors[state]), at: start, in: block, into: &sink)
            state = Int(outputLinks[state])
        }
    }
}
