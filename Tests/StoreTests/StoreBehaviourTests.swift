import Foundation
import PlayheadCore
import Store
import Testing
import TestSupport

/// One suite of behaviours, every test run against SQLite and PostgreSQL.
@Suite(.postgresServer)
struct StoreBehaviourTests {
    @Test(arguments: Backend.allCases)
    func migrationsAreIdempotent(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            try await store.migrate()
            try await store.migrate()
            #expect(try await store.media(Fixture.media) != nil, "migrating again kept the data")
            try await store.record(try Fixture.key(), annotations: [Fixture.face(1, 2)])
            #expect(try await store.lookup(try Fixture.key())?.annotationCount == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func catalogRoundTrip(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.media(Fixture.media) == nil)
            let record = MediaRecord(id: Fixture.media, location: "/videos/a.mp4",
                                     probe: ProbeFacts(durationSeconds: 12.48, framesPerSecond: 29.97, frameCount: 374, width: 1920, height: 1080))
            try await store.upsertMedia(record)
            #expect(try await store.media(Fixture.media) == record)
            let moved = MediaRecord(id: Fixture.media, location: "s3://bucket/a.mp4", probe: ProbeFacts(durationSeconds: 12.48))
            try await store.upsertMedia(moved)
            #expect(try await store.media(Fixture.media) == moved, "upsert replaced location and facts")
            #expect(try await store.media(Fixture.otherMedia) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func memoizationHitsOnlyTheSameKey(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let key = try Fixture.key()
            #expect(try await store.lookup(key) == nil)
            await expectStoreError(.notFound) { _ = try await store.annotations(for: key) }

            let faces = [Fixture.face(3, 4, "b"), Fixture.face(1, 2, "a")]
            let recorded = try await store.record(key, annotations: faces)
            let hit = try #require(try await store.lookup(key))
            #expect(hit.key == key && hit.annotationCount == 2)
            #expect(abs(hit.recordedAt.timeIntervalSince(recorded.recordedAt)) < 0.001)
            #expect(try await store.annotations(for: key).map(\.label) == ["a", "b"])

            #expect(try await store.lookup(try Fixture.key(model: Fixture.v2)) == nil, "a new model version misses")
            #expect(try await store.lookup(try Fixture.key(hash: "p2")) == nil, "new parameters miss")
            #expect(try await store.lookup(try Fixture.key(range: (0, 60))) == nil, "another range misses")
            var otherMedia = key
            otherMedia.media = Fixture.otherMedia
            #expect(try await store.lookup(otherMedia) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordedAnswersManyKeysAtOnce(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            #expect(try await store.recorded([]).isEmpty)
            // Per-frame instants of a 10 fps pass: times that are not exact in binary must still match.
            let frames = try (0..<30).map { index in try Fixture.key(range: (Double(index) / 10, Double(index) / 10)) }
            for (index, key) in frames.enumerated() where index % 3 == 0 {
                try await store.record(key, annotations: [])
            }
            try await store.record(try Fixture.key(hash: "p2", range: (0.5, 0.5)), annotations: [])
            try await store.record(try Fixture.key(range: (0.4, 0.6)), annotations: [])
            let wanted = frames + [try Fixture.key(model: Fixture.v2, range: (0.2, 0.2))]
            var expected: Set<ResultKey> = []
            for key in wanted where try await store.lookup(key) != nil { expected.insert(key) }
            #expect(expected.count == 10)
            #expect(try await store.recorded(wanted) == expected, "the same answer as one lookup per key")
            await expectStoreError(.unknownFeature) {
                var key = try Fixture.key()
                key.feature = Feature(rawValue: "nope")
                _ = try await store.recorded([key])
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func rerunReplacesOverlappingResultsOfItsVersionAndParametersOnly(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let first = try Fixture.key(range: (0, 60)), second = try Fixture.key(range: (60, 120))
            try await store.record(first, annotations: [Fixture.face(10, 11, "chunk1")])
            try await store.record(second, annotations: [Fixture.face(70, 71, "chunk2")])
            try await store.record(try Fixture.key(model: Fixture.v2), annotations: [Fixture.face(10, 11, "v2", model: Fixture.v2)])
            let window = try TimeRange(start: 0, end: 3600)
            #expect(try await store.annotations(media: Fixture.media, feature: .faces, window: window, model: Fixture.v1).map(\.label) == ["chunk1", "chunk2"],
                    "adjacent chunks both stay")

            let rerun = try Fixture.key(range: (0, 60))
            try await store.record(rerun, annotations: [Fixture.face(20, 21, "rerun")])
            #expect(try await store.lookup(first)?.annotationCount == 1)
            #expect(try await store.annotations(for: first).map(\.label) == ["rerun"], "the earlier result of the same key was replaced")
            #expect(try await store.annotations(media: Fixture.media, feature: .faces, window: window, model: Fixture.v1).map(\.label) == ["rerun", "chunk2"])
            #expect(try await store.annotations(media: Fixture.media, feature: .faces, window: window, model: Fixture.v2).map(\.label) == ["v2"],
                    "another model version is kept")

            // Per-frame results of an interactive pass (other parameters, instants) sit beside the batch ranges.
            let frame = try Fixture.key(hash: "frame-v1", range: (30, 30))
            try await store.record(frame, annotations: [Fixture.face(30, 30, "frame")])
            try await store.record(try Fixture.key(hash: "frame-v1", range: (31, 31)), annotations: [])
            #expect(try await store.lookup(try Fixture.key(hash: "frame-v1", range: (31, 31)))?.annotationCount == 0, "an empty frame is a hit")
            #expect(try await store.lookup(rerun) != nil, "other parameters' results are kept")
            #expect(try await store.lookup(second) != nil)
            #expect(try await store.annotations(media: Fixture.media, feature: .faces, window: window).count == 4)
        }
    }

    /// A reader polling while a writer replaces 1000 annotations with 1000 others must see one set or the other.
    @Test(arguments: Backend.allCases)
    func readersNeverSeeAMixOfOldAndNew(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let window = try TimeRange(start: 0, end: 3600)
            func generation(_ n: Int) -> [Annotation] {
                (0..<1000).map { i in Fixture.face(Double(i), Double(i) + 0.5, "gen\(n)") }
            }
            try await store.record(try Fixture.key(), annotations: generation(0))
            let replacements = 6
            let firstRead = Gate()
            let writerDone = Shared(false)
            let seen = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                group.addTask {
                    var seen: [String: Int] = [:]
                    repeat {
                        let labels = Set(try await store.annotations(media: Fixture.media, feature: .faces, window: window).map(\.label))
                        let count = try await store.annotations(media: Fixture.media, feature: .faces, window: window).count
                        #expect(labels.count == 1 && count == 1000, "a read saw \(labels.sorted()) with \(count) rows")
                        seen[labels.sorted().joined(separator: "+"), default: 0] += 1
                        firstRead.open()
                    } while !writerDone.value
                    return seen
                }
                group.addTask {
                    try await firstRead.wait()
                    for n in 1...replacements {
                        try await store.record(try Fixture.key(), annotations: generation(n))
                        await Task.yield()
                    }
                    writerDone.update { $0 = true }
                    return [:]
                }
                return try await group.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: +) }
            }
            #expect(seen["gen0"] != nil, "the reader ran before the first replacement")
            #expect(seen.keys.allSatisfy { !$0.contains("+") }, "mixed reads: \(seen)")
            let final = try await store.annotations(media: Fixture.media, feature: .faces, window: window)
            #expect(final.count == 1000 && Set(final.map(\.label)) == ["gen\(replacements)"])
        }
    }

    @Test(arguments: Backend.allCases)
    func windowQueryUsesHalfOpenOverlap(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            try await store.insertAnnotations([
                Fixture.face(0, 1, "before"), Fixture.face(1, 2, "inside"), Fixture.face(2, 2, "instant-at-end"),
                Fixture.face(1.5, 10, "straddles"), Fixture.face(5, 6, "after"), Fixture.face(1, 1, "instant-at-start"),
                Fixture.face(0, 100, "long"), Fixture.face(1.2, 1.4, "other-version", model: Fixture.v2),
            ], media: Fixture.media)
            func labels(_ from: Double, _ to: Double, model: ModelVersion? = nil) async throws -> [String] {
                try await store.annotations(media: Fixture.media, feature: .faces, window: try TimeRange(start: from, end: to), model: model).map(\.label)
            }
            #expect(try await labels(1, 2) == ["long", "instant-at-start", "inside", "other-version", "straddles"], "ordered by start, then end")
            #expect(try await labels(1, 2, model: Fixture.v1) == ["long", "instant-at-start", "inside", "straddles"])
            #expect(try await labels(2, 3) == ["long", "straddles", "instant-at-end"])
            #expect(try await labels(50, 51) == ["long"], "an annotation starting long before the window is found")
            #expect(try await labels(100, 200) == [], "an annotation ending where the window starts does not overlap")
            #expect(try await store.annotations(media: Fixture.media, feature: .shots, window: try TimeRange(start: 0, end: 100)).isEmpty)
            #expect(try await store.annotations(media: Fixture.otherMedia, feature: .faces, window: try TimeRange(start: 0, end: 100)).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func malformedInputIsRefusedWithTypedErrors(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let good = Fixture.face(1, 2)
            var unknown = good
            unknown.feature = "smiles"
            var backwards = good
            backwards.end = 0.5
            var nanStart = good
            nanStart.start = .nan
            var nanScore = good
            nanScore.score = .nan
            var badBox = good
            badBox.box = BoundingBox(x: 0, y: 0, width: -1, height: 1)
            var badPayload = good
            badPayload.payload = "{not json"
            let cases: [(Annotation, StoreError.Code)] = [
                (unknown, .unknownFeature), (backwards, .invalidRange), (nanStart, .invalidRange),
                (nanScore, .invalidInput), (badBox, .invalidInput), (badPayload, .invalidInput),
            ]
            for (bad, code) in cases {
                // The bad annotation comes last in a batch, so a refusal must roll back the good ones before it.
                let batch = (0..<50).map { Fixture.face(Double($0), Double($0) + 1) } + [bad]
                await expectStoreError(code) { try await store.insertAnnotations(batch, media: Fixture.media) }
                await expectStoreError(code) { try await store.record(try Fixture.key(), annotations: batch) }
            }
            var unknownKey = try Fixture.key()
            unknownKey.feature = "smiles"
            await expectStoreError(.unknownFeature) { _ = try await store.lookup(unknownKey) }
            await expectStoreError(.invalidInput, { try await store.record(try Fixture.key(), annotations: [Fixture.face(1, 2, model: Fixture.v2)]) })
            await expectStoreError(.invalidInput) { try await store.record(try Fixture.key(hash: ""), annotations: []) }
            await expectStoreError(.notFound) { try await store.insertAnnotations([good], media: Fixture.otherMedia) }
            await expectStoreError(.unknownFeature) {
                _ = try await store.annotations(media: Fixture.media, feature: "smiles", window: try TimeRange(start: 0, end: 1))
            }
            await expectStoreError(.invalidRange) {
                _ = try await store.annotations(media: Fixture.media, feature: .faces, window: try TimeRange(start: 1, end: 1))
            }
            await expectStoreError(.invalidRange) { _ = try TimeRange(start: 2, end: 1) }
            await expectStoreError(.invalidInput) { _ = try ModelVersion("no-version") }
            await expectStoreError(.invalidInput) {
                try await store.upsertMedia(MediaRecord(id: Fixture.otherMedia, location: "x", probe: ProbeFacts(durationSeconds: .infinity)))
            }
            let all = try await store.annotations(media: Fixture.media, feature: .faces, window: try TimeRange(start: 0, end: 3600))
            #expect(all.isEmpty, "refused batches left nothing behind")
            #expect(try await store.lookup(try Fixture.key()) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func batchInsertRoundTripsEveryField(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let batch = (0..<5000).map { i in
                Annotation(feature: .faces, start: Double(i) * 0.5, end: Double(i) * 0.5 + 0.25, label: "face \(i) ✓",
                           score: i.isMultiple(of: 3) ? nil : Double(i) / 5000,
                           box: i.isMultiple(of: 2) ? BoundingBox(x: 0.125, y: 0.25, width: 0.5, height: 0.0625) : nil,
                           payload: i.isMultiple(of: 5) ? nil : "{\"track\": \(i), \"tags\": [\"a\", \"b\"]}", model: Fixture.v1)
            }
            for chunk in stride(from: 0, to: batch.count, by: 1000) {
                try await store.insertAnnotations(Array(batch[chunk..<chunk + 1000]), media: Fixture.media)
            }
            let back = try await store.annotations(media: Fixture.media, feature: .faces, window: try TimeRange(start: 0, end: 10_000))
            #expect(back == batch)
            let middle = try await store.annotations(media: Fixture.media, feature: .faces, window: try TimeRange(start: 100, end: 110))
            #expect(middle == Array(batch[200..<220]))
        }
    }

    @Test(arguments: Backend.allCases)
    func jobsAndTaskLeases(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let chunks = try (0..<20).map { try TimeRange(start: Double($0) * 60, end: Double($0 + 1) * 60) }
            await expectStoreError(.unknownFeature) { _ = try await store.createJob(media: Fixture.media, features: ["smiles"], chunks: chunks) }
            await expectStoreError(.invalidInput) {
                _ = try await store.createJob(media: Fixture.media, features: [.faces], chunks: chunks, parameters: "{fps: 5")
            }
            let job = try await store.createJob(media: Fixture.media, features: [.faces, .shots], chunks: chunks, parameters: #"{"fps":5}"#)
            #expect(try await store.job(job.id)?.features == [.faces, .shots])
            #expect(try await store.job(job.id)?.parameters == #"{"fps":5}"#)
            #expect(try await store.tasks(ofJob: job.id).map(\.chunk) == chunks)

            // Four workers drain the queue at once; every task is leased exactly once.
            let leased = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [UUID] = []
                        while let task = try await store.leaseNextTask(owner: "w\(worker)", leaseDuration: .seconds(60)) {
                            #expect(task.leaseOwner == "w\(worker)" && task.attempts == 1 && task.state == .leased)
                            mine.append(task.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(leased.count == 20 && Set(leased).count == 20)
            #expect(try await store.job(job.id)?.state == .running)

            let tasks = try await store.tasks(ofJob: job.id)
            let task = try #require(tasks.first)
            let owner = try #require(task.leaseOwner)
            await expectStoreError(.conflict) { try await store.completeTask(task: task.id, owner: "intruder", cpuSeconds: 1, wallSeconds: 1) }
            let renewed = try await store.renewLease(task: task.id, owner: owner, leaseDuration: .seconds(120), framesDone: 750,
                                                     checkpoint: #"{"frames":750}"#)
            #expect(renewed.framesDone == 750 && renewed.leaseExpiresAt! > task.leaseExpiresAt!)
            #expect(try await store.renewLease(task: task.id, owner: owner, leaseDuration: .seconds(120), framesDone: 760).checkpoint == #"{"frames":750}"#,
                    "a renewal without a checkpoint keeps the saved one")
            await expectStoreError(.invalidInput) {
                try await store.completeTask(task: task.id, owner: owner, cpuSeconds: 1, wallSeconds: 1, output: "not json")
            }
            try await store.completeTask(task: task.id, owner: owner, cpuSeconds: 2.5, wallSeconds: 1.25, output: #"{"faces":[]}"#)
            let done = try #require(try await store.tasks(ofJob: job.id).first { $0.id == task.id })
            #expect(done.state == .succeeded && done.cpuSeconds == 2.5 && done.wallSeconds == 1.25 && done.leaseOwner == nil)
            #expect(done.output == #"{"faces":[]}"# && done.checkpoint == nil)
            await expectStoreError(.conflict) { try await store.renewLease(task: task.id, owner: owner, leaseDuration: .seconds(1), framesDone: 0) }
            await expectStoreError(.notFound) { try await store.completeTask(task: UUID(), owner: owner, cpuSeconds: 0, wallSeconds: 0) }

            // A failed task is queued again until it has used its attempts.
            let retried = tasks[1]
            try await store.failTask(task: retried.id, owner: retried.leaseOwner!, error: "decoder crashed", maxAttempts: 2)
            let again = try #require(try await store.leaseNextTask(owner: "w9", leaseDuration: .seconds(60)))
            #expect(again.id == retried.id && again.attempts == 2 && again.error == "decoder crashed")
            try await store.failTask(task: again.id, owner: "w9", error: "decoder crashed again", maxAttempts: 2)
            #expect(try await store.tasks(ofJob: job.id).first { $0.id == retried.id }?.state == .failed)

            try await store.setJobState(job.id, .failed, error: "chunk 2 failed twice")
            #expect(try await store.job(job.id)?.error == "chunk 2 failed twice")
            await expectStoreError(.notFound) { try await store.setJobState(UUID(), .failed, error: nil) }
        }
    }

    @Test(arguments: Backend.allCases)
    func anExpiredLeaseIsTakenOver(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let job = try await store.createJob(media: Fixture.media, features: [.faces], chunks: [try TimeRange(start: 0, end: 60)])
            let first = try #require(try await store.leaseNextTask(owner: "dead", leaseDuration: .milliseconds(1)))
            #expect(first.job == job.id)
            try await store.renewLease(task: first.id, owner: "dead", leaseDuration: .milliseconds(1), framesDone: 40, checkpoint: #"{"frames":40}"#)
            // The only wait in the suite: a lease expires by the clock, so time has to pass.
            var taken: JobTask?
            for _ in 0..<200 where taken == nil {
                try await Task.sleep(for: .milliseconds(10))
                taken = try await store.leaseNextTask(owner: "alive", leaseDuration: .seconds(60))
            }
            let takeover = try #require(taken)
            #expect(takeover.id == first.id && takeover.leaseOwner == "alive" && takeover.attempts == 2)
            #expect(takeover.checkpoint == #"{"frames":40}"# && takeover.framesDone == 40, "the new holder resumes from the checkpoint")
            await expectStoreError(.conflict) { try await store.completeTask(task: first.id, owner: "dead", cpuSeconds: 0, wallSeconds: 0) }
        }
    }

    @Test(arguments: Backend.allCases)
    func retriesWaitTheirBackoffAndLeasesCanBeScopedToAJob(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store)
            let chunk = [try TimeRange(start: 0, end: 60)]
            let first = try await store.createJob(media: Fixture.media, features: [.faces], chunks: chunk)
            let second = try await store.createJob(media: Fixture.media, features: [.faces], chunks: chunk)
            let leased = try #require(try await store.leaseNextTask(owner: "w", leaseDuration: .seconds(60), job: second.id))
            #expect(leased.job == second.id, "the scoped lease skipped the older job")
            try await store.failTask(task: leased.id, owner: "w", error: "transient", maxAttempts: 3, retryAfter: .seconds(3600))
            #expect(try await store.tasks(ofJob: second.id).first?.state == .queued)
            #expect(try await store.leaseNextTask(owner: "w", leaseDuration: .seconds(60), job: second.id) == nil, "the retry waits for its backoff")
            #expect(try await store.leaseNextTask(owner: "w", leaseDuration: .seconds(60))?.job == first.id)
        }
    }

    @Test(arguments: Backend.allCases)
    func pipelinesMediaListingAndJobsWithNothingToCompute(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await Fixture.catalog(store, Fixture.media)
            try await Fixture.catalog(store, Fixture.otherMedia)
            #expect(try await store.listMedia(limit: 10).map(\.id) == [Fixture.otherMedia, Fixture.media], "newest first")
            #expect(try await store.listMedia(limit: 1).count == 1)
            await expectStoreError(.invalidInput) { _ = try await store.listMedia(limit: 0) }

            try await store.savePipeline(name: "faces-5fps", parameters: #"{"features":["faces"]}"#)
            try await store.savePipeline(name: "brand.safety", parameters: #"{"features":["safety"]}"#)
            try await store.savePipeline(name: "faces-5fps", parameters: #"{"features":["faces"],"fps":5}"#)
            #expect(try await store.pipelines().map(\.name) == ["brand.safety", "faces-5fps"])
            #expect(try await store.pipelines().last?.parameters == #"{"features":["faces"],"fps":5}"#, "saving again replaces")
            await expectStoreError(.invalidInput) { try await store.savePipeline(name: "no spaces", parameters: "{}") }
            await expectStoreError(.invalidInput) { try await store.savePipeline(name: "ok", parameters: "{") }
            try await store.deletePipeline(name: "brand.safety")
            await expectStoreError(.notFound) { try await store.deletePipeline(name: "brand.safety") }
            #expect(try await store.pipelines().map(\.name) == ["faces-5fps"])

            let memoized = try await store.createJob(media: Fixture.media, features: [.faces], chunks: [])
            #expect(memoized.state == .succeeded)
            #expect(try await store.job(memoized.id)?.state == .succeeded)
            #expect(try await store.tasks(ofJob: memoized.id).isEmpty)
            #expect(try await store.leaseNextTask(owner: "w", leaseDuration: .seconds(60)) == nil)
        }
    }
}
