/// A run of consecutive segments with the same top genre: one line of `predict --segments`' merged timeline.
public struct TimelineRun: Sendable, Equatable {
    /// Seconds from the start of the file: the first segment's start and the last one's end (`Prediction.SegmentTop`).
    public var start: Double
    public var end: Double
    /// The top genre of every segment in the run.
    public var genre: String
    /// The mean over the run's segments of their probability of `genre`, in [0, 1].
    public var probability: Double
    /// Segments merged, ≥ 1.
    public var segments: Int

    /// `timeline` with each run of consecutive segments of the same top genre merged into one, in time order. A genre
    /// that comes back after another starts a new run: the result says when the music changed, not how much of it
    /// there was.
    /// - Parameter timeline: `Prediction.timeline`, in time order.
    /// - Returns: one run per change of top genre; empty for an empty timeline.
    public static func merging(_ timeline: [Prediction.SegmentTop]) -> [TimelineRun] {
        var runs: [TimelineRun] = []
        var total = 0.0  // sum of the current run's probabilities, so that the mean is taken once, exactly
        for segment in timeline {
            if let last = runs.last, last.genre == segment.genre {
                total += segment.probability
                runs[runs.count - 1].end = segment.end
                runs[runs.count - 1].segments += 1
                runs[runs.count - 1].probability = total / Double(last.segments + 1)
            } else {
                total = segment.probability
                runs.append(TimelineRun(start: segment.start, end: segment.end, genre: segment.genre,
                                        probability: segment.probability, segments: 1))
            }
        }
        return runs
    }

    /// The runs of a timeline kept one segment each (`predict --segments all`).
    public static func unmerged(_ timeline: [Prediction.SegmentTop]) -> [TimelineRun] {
        timeline.map { TimelineRun(start: $0.start, end: $0.end, genre: $0.genre, probability: $0.probability, segments: 1) }
    }
}
