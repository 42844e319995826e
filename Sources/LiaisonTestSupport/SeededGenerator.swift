import LiaisonModel

/// A small deterministic random generator, so that a randomized test's failure replays: the model's SplitMix64.
public typealias SeededGenerator = SplitMix64
